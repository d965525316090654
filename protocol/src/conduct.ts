import { z } from 'zod';
import { idSchema as id, timestampSchema as timestamp, versionSchema as version } from './common.js';

/**
 * What an interviewer did that is worth a private note to that interviewer: a question touching a protected
 * topic, a leading or closed question, a large share of the talking, cutting the candidate off, a long
 * monologue. Observable behaviour only.
 */
export const CONDUCT_KINDS = [
  'protected-topic',
  'leading-question',
  'closed-question',
  'talk-share',
  'interruption',
  'monologue',
] as const;
export const conductKindSchema = z.enum(CONDUCT_KINDS);
export type ConductKind = z.infer<typeof conductKindSchema>;

/** Protected topics an interview question must not touch (employment-law characteristics). */
export const PROTECTED_TOPICS = [
  'age',
  'family',
  'marital-status',
  'religion',
  'nationality',
  'disability',
  'sexual-orientation',
] as const;
export const protectedTopicSchema = z.enum(PROTECTED_TOPICS);
export type ProtectedTopic = z.infer<typeof protectedTopicSchema>;

/**
 * A private note about one interviewer's own conduct, sent to that interviewer only (`destinationIdentities` =
 * `interviewer`), never to the candidate or to another interviewer. A note with an id already received is an
 * update of it (e.g. a better rephrase): clients replace the earlier one.
 */
export const conductMessageSchema = z.object({
  v: version,
  type: z.literal('conduct'),
  id,
  sessionId: id,
  /** The interviewer the note is about, and its only recipient. */
  interviewer: z.string().min(1).max(256),
  kind: conductKindSchema,
  /** For `protected-topic`: which topic the question touched. */
  topic: protectedTopicSchema.optional(),
  /** What was observed, e.g. `Your question asks about family plans.` */
  text: z.string().min(1).max(1000),
  /** The interviewer's words the note is about (a transcribed question), when there are any. */
  quote: z.string().max(500).optional(),
  /** A lawful or open way to ask instead. */
  rephrase: z.string().max(500).optional(),
  /** `warning` for a protected topic, `info` for style (closed, leading, talk share, …). */
  severity: z.enum(['info', 'warning']),
  source: z.enum(['rules', 'llm']),
  /** Ids of the transcript segments or signals the note rests on. */
  evidence: z.array(id).max(20),
  /** Measured values behind the note (e.g. `{ share: 0.71, seconds: 52 }`). */
  values: z.record(z.string().max(64), z.union([z.number(), z.string().max(256), z.boolean()])).optional(),
  /** When the observed behaviour ended (the end of the question, the interruption's moment). */
  at: timestamp,
  createdAt: timestamp,
});
export type ConductMessage = z.infer<typeof conductMessageSchema>;
