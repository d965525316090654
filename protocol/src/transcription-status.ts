import { z } from 'zod';
import { timestampSchema as timestamp } from './common.js';

const count = z.number().int().nonnegative();

/**
 * The machine's shared speech recognizer as the session last read it (its `GET /stats`): one recognizer serves
 * every room on the machine, so its queue and memory are the same in every session's stats.
 */
export const recognizerStatsSchema = z.object({
  /** When the session read it. */
  at: timestamp,
  /** Requests waiting for a decode, the most it admits, and the most seen since it started. */
  queueDepth: count,
  maxQueue: count,
  maxQueueDepthSeen: count,
  /** Requests being decoded. */
  inFlight: count,
  /** Resident memory now and at its peak. */
  rssBytes: count,
  peakRssBytes: count,
  /** Requests answered since it started: `rejected` = refused because its queue was full (HTTP 503). */
  requests: z.object({ ok: count, rejected: count, expired: count, failed: count }),
  /**
   * The faster model it decodes with while it is behind (none when absent): its name, the decodes it made (counted
   * in `requests.ok` too) and their audio seconds, since the recognizer started.
   */
  fallback: z
    .object({ model: z.string().min(1).max(64), ok: count, audioSeconds: z.number().nonnegative() })
    .optional(),
});
export type RecognizerStatsReport = z.infer<typeof recognizerStatsSchema>;

/**
 * Whether the session's transcript keeps up: `ok`; `delayed` (reason `recognizer-busy`: the recognizer refused
 * requests because its queue was full, or its queue is full now; segments are retried and arrive late or are
 * stored failed); `interrupted` (reason `recognizer-unreachable`: the recognizer does not answer, e.g. while it
 * restarts; segments are retried, then stored failed).
 */
export const transcriptionStateSchema = z.enum(['ok', 'delayed', 'interrupted']);
export type TranscriptionState = z.infer<typeof transcriptionStateSchema>;

/** Speech-to-text of this session, in the agent's periodic `stats` message. */
export const transcriptionStatusSchema = z.object({
  /** Engine and model, e.g. `local:whisper-base`. */
  engine: z.string().min(1).max(64),
  state: transcriptionStateSchema,
  reason: z.enum(['recognizer-busy', 'recognizer-unreachable']).optional(),
  /** Since when the state holds. */
  since: timestamp,
  /** This session's segments so far: stored `ok`, stored `failed`, and requests refused with "queue full". */
  segments: z.object({ ok: count, failed: count, refused: count }),
  /** The shared local recognizer (engine `local` only), as last read. */
  recognizer: recognizerStatsSchema.optional(),
});
export type TranscriptionStatus = z.infer<typeof transcriptionStatusSchema>;
