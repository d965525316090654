import {
  type AnalysisGapValues,
  type DispatchMetadata,
  dispatchMetadataSchema,
  OPT_OUT_GROUPS,
  type OptOutGroup,
} from '@interview-helper/protocol';
import { type Database, RecoveryStore, type StoredProgress } from '@interview-helper/storage';
import type { SignalDraft } from '../analysers/analyser.js';

/** Reads the dispatch metadata (`{ sessionId, resume?, attempt? }`); undefined when it is not ours. */
export function dispatchMetadata(metadata: string | undefined): DispatchMetadata | undefined {
  if (!metadata) return undefined;
  try {
    const parsed = dispatchMetadataSchema.safeParse(JSON.parse(metadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** What a job taking over a session with stored data restores, and the gap it names. */
export interface ResumedSession {
  sessionId: string;
  /** The end of the last stored signal: analysis is known to have run until then. */
  gapFrom: number;
  /** When this job resumed the session. */
  gapTo: number;
  progress: StoredProgress;
  /** The candidate's opt-out groups in force when the previous job stopped. */
  optOutGroups: OptOutGroup[];
  /** The code-pad revision last seen (0: none). */
  codeRevision: number;
}

/**
 * Resumes a session in a new job: reads what the session stored (signals, answers, the code-pad revision, the
 * candidate's opt-out, the latest hints) and names the gap with one `analysis-gap` signal. A session without
 * stored signals is a fresh one: nothing to resume.
 */
export class SessionResume {
  readonly #store: RecoveryStore;

  constructor(db: Database) {
    this.#store = new RecoveryStore(db);
  }

  /** The resumed session, or undefined for a session with nothing stored yet. */
  async load(sessionId: string, now: number): Promise<ResumedSession | undefined> {
    const progress = await this.#store.resumeState(sessionId);
    if (progress.signals === 0 || progress.lastSignalAt === undefined) return undefined;
    const optOutGroups = (progress.optOutGroups ?? '')
      .split(',')
      .filter((g): g is OptOutGroup => g in OPT_OUT_GROUPS);
    const revision = Number(progress.lastCode?.revision ?? 0);
    return {
      sessionId,
      gapFrom: Math.min(progress.lastSignalAt, now),
      gapTo: now,
      progress,
      optOutGroups,
      codeRevision: Number.isInteger(revision) && revision >= 0 ? revision : 0,
    };
  }
}

/** The `analysis-gap` signal of a resumed session. */
export function analysisGapDraft(resumed: ResumedSession): SignalDraft {
  const values: AnalysisGapValues = {
    from: resumed.gapFrom,
    to: resumed.gapTo,
    seconds: Math.round((resumed.gapTo - resumed.gapFrom) / 100) / 10,
    signalsBefore: resumed.progress.signals,
    answersBefore: resumed.progress.answers,
    codeRevision: resumed.codeRevision,
    optOutGroups: resumed.optOutGroups.join(','),
  };
  const from = new Date(resumed.gapFrom).toISOString().slice(11, 19);
  const to = new Date(resumed.gapTo).toISOString().slice(11, 19);
  return {
    kind: 'analysis-gap',
    range: { start: resumed.gapFrom, end: resumed.gapTo },
    values,
    confidence: 1,
    summary: `Analysis resumed after a gap of ${values.seconds} s (${from}–${to} UTC): nothing was analysed in between`,
  };
}
