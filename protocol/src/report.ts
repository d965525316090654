import { z } from 'zod';
import { hintWhySchema } from './messages.js';
import { stageLatencySchema } from './processing.js';
import { planReportSchema } from './scorecard.js';

const iso = z.string().min(1);
const isoOrNull = iso.nullable();
const counts = z.record(z.string(), z.number());

/** Median and 95th percentile of a list of durations (ms); null when there is no value. */
export const percentilesSchema = z.object({
  n: z.number().int().nonnegative(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
});
export type Percentiles = z.infer<typeof percentilesSchema>;

/**
 * The session report the agent writes at the end of an interview and the token server serves as JSON
 * (`GET /api/sessions/:id/report`): timeline of signals, metrics, transcript and hints with feedback.
 */
export const sessionReportSchema = z.object({
  version: z.literal(1),
  sessionId: z.string().min(1),
  generatedAt: iso,
  participants: z.array(
    z.object({ identity: z.string(), role: z.string(), name: z.string(), joinedAt: iso, leftAt: isoOrNull }),
  ),
  timeline: z.array(
    z.object({
      id: z.string(),
      start: iso,
      end: iso,
      kind: z.string(),
      analyser: z.string(),
      summary: z.string(),
    }),
  ),
  metrics: z.object({
    durationSeconds: z.number(),
    signalCounts: counts,
    hints: z.object({
      total: z.number(),
      bySource: counts,
      byKind: counts,
      merged: z.number(),
      /** Hints delivered to nobody (every copy dropped, e.g. its validity window passed). */
      dropped: z.number().optional(),
    }),
    delivery: z.object({
      triggerToPublishedMs: percentilesSchema,
      decidedToPublishedMs: percentilesSchema,
      firstTokenToPublishedMs: percentilesSchema,
    }),
    feedback: z.object({ useful: z.number(), notUseful: z.number(), none: z.number() }),
    /** Latency of each processing stage (analysers, speech-to-text, hints), when the job measured it. */
    processing: stageLatencySchema.optional(),
  }),
  transcript: z.array(
    z.object({ speaker: z.string(), role: z.string(), text: z.string(), start: iso, end: iso }),
  ),
  hints: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      text: z.string(),
      source: z.string(),
      evidence: z.array(z.string()),
      confidence: z.number(),
      triggerAt: isoOrNull,
      decidedAt: isoOrNull,
      llmFirstTokenAt: isoOrNull,
      publishedAt: isoOrNull,
      recipients: z.array(z.string()),
      mergedCount: z.number(),
      /** Why the hint was given, as last sent. */
      why: hintWhySchema.nullable().optional(),
      /** Interviewers it was not delivered to (`*`: anyone), with the reason. */
      drops: z.array(z.object({ identity: z.string(), reason: z.string(), at: iso })).optional(),
      feedback: z.object({ useful: z.boolean(), at: iso }).nullable(),
    }),
  ),
  summary: z.object({ source: z.enum(['rules', 'llm']), text: z.string() }),
  /** Plan coverage, notes and the scorecard draft, when the session had a plan. */
  plan: planReportSchema.optional(),
});
export type SessionReport = z.infer<typeof sessionReportSchema>;
