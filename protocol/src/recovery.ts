import { z } from 'zod';
import { idSchema as id, timestampSchema as timestamp, versionSchema as version } from './common.js';

/**
 * Crash recovery: a job that stopped mid-interview is replaced by a new one, which resumes the session from
 * storage and names the stretch nothing was analysed (`analysis-gap`); when no job can be started at all, the
 * token server tells the interviewers that analysis is unavailable (`analysis-status`).
 */

const count = z.number().int().nonnegative();

/** Why a session has no analysis: no agent ever arrived, or the agent of the session was lost. */
export const analysisLossReasonSchema = z.enum(['no-agent', 'agent-lost']);
export type AnalysisLossReason = z.infer<typeof analysisLossReasonSchema>;

/**
 * `values` of the `analysis-gap` signal: the session was resumed by a new job after its previous job stopped.
 * Nothing of the candidate was analysed from `from` (the last signal stored before the stop) to `to` (the new
 * job's start); signals of that stretch are missing, not zero.
 */
export const analysisGapValuesSchema = z.strictObject({
  /** The last moment the previous job is known to have analysed (ms since the Unix epoch). */
  from: timestamp,
  /** When the new job resumed the session. */
  to: timestamp,
  seconds: z.number().finite().nonnegative(),
  /** Signals stored for the session before the gap. */
  signalsBefore: count,
  /** Answers (`answer-end`) stored before the gap; the new job's turn model starts after them. */
  answersBefore: count,
  /** The code-pad revision restored (0: none). */
  codeRevision: count,
  /** Candidate opt-out groups restored, comma-separated (empty: none). */
  optOutGroups: z.string().max(256),
});
export type AnalysisGapValues = z.infer<typeof analysisGapValuesSchema>;

/**
 * Whether the session's live analysis runs, as the token server's agent supervisor sees it. `unavailable`:
 * no agent could be started for the room after every retry (the interview goes on without signals or hints);
 * `available`: an agent is in the room again after an `unavailable`.
 */
export const analysisStatusSchema = z.enum(['available', 'unavailable']);
export type AnalysisStatus = z.infer<typeof analysisStatusSchema>;

/**
 * Sent by the token server to the interviewers of a room (the agent topic, interviewer identities only) when
 * the room's analysis becomes unavailable or available again. The same object is kept in the room metadata
 * under {@link ANALYSIS_STATUS_METADATA_KEY}, so an interviewer who joins later sees it too.
 */
export const analysisStatusMessageSchema = z.object({
  v: version,
  type: z.literal('analysis-status'),
  sessionId: id,
  status: analysisStatusSchema,
  reason: analysisLossReasonSchema,
  /** Dispatches tried before this status. */
  attempts: count,
  /** Since when the room has had no agent. */
  since: timestamp,
  at: timestamp,
  /** What interviewers are shown, e.g. `Analysis unavailable: no agent could join this interview.` */
  text: z.string().min(1).max(300),
});
export type AnalysisStatusMessage = z.infer<typeof analysisStatusMessageSchema>;

/** Key of the analysis status in the room metadata (a JSON object). */
export const ANALYSIS_STATUS_METADATA_KEY = 'interview-helper.analysis';

/** The analysis status kept in a room's metadata, if any (never throws on foreign metadata). */
export function analysisStatusFromRoomMetadata(
  metadata: string | undefined,
): AnalysisStatusMessage | undefined {
  if (!metadata) return undefined;
  try {
    const parsed = JSON.parse(metadata) as Record<string, unknown>;
    const result = analysisStatusMessageSchema.safeParse(parsed?.[ANALYSIS_STATUS_METADATA_KEY]);
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Room metadata with the analysis status set, keeping the other keys of a JSON object metadata. */
export function withAnalysisStatus(metadata: string | undefined, status: AnalysisStatusMessage): string {
  let base: Record<string, unknown> = {};
  try {
    const parsed = metadata ? (JSON.parse(metadata) as unknown) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      base = parsed as Record<string, unknown>;
  } catch {
    // not ours and not JSON: replaced
  }
  return JSON.stringify({ ...base, [ANALYSIS_STATUS_METADATA_KEY]: status });
}

/** Dispatch metadata of a job that takes over a session (`resume`: the session may already have data). */
export const dispatchMetadataSchema = z.object({
  sessionId: id,
  resume: z.boolean().optional(),
  /** Which re-dispatch of the session this is (1 = first retry). */
  attempt: count.optional(),
});
export type DispatchMetadata = z.infer<typeof dispatchMetadataSchema>;
