import { z } from 'zod';

const count = z.number().int().nonnegative();

/** Why the agent dropped a client message (the inbox's stable rejection codes, plus any future one). */
export const INBOX_REJECTION_CODES = [
  'unknown-sender',
  'forbidden',
  'not-utf8',
  'not-json',
  'invalid',
  'unsupported-version',
  'too-large',
  'stream-error',
  'stream-timeout',
  'too-many-streams',
  'rate-limited',
] as const;
export type InboxRejectionCode = (typeof INBOX_REJECTION_CODES)[number];

/**
 * What the agent's inbox (client → agent packets and text streams on the client topic) received in this session,
 * in the agent's periodic `stats` message: an operator sees malformed or forged traffic without reading logs.
 */
export const inboxStatsSchema = z.object({
  /** Client messages read: reliable packets and whole text streams on the client topic. */
  received: count,
  /** Messages that passed validation and the role check and went to the session. */
  accepted: count,
  /** Messages dropped (invalid, forbidden, oversized, unfinished, over the sender's rate); `byCode` splits them. */
  rejected: count,
  /** Rejections per code (see `INBOX_REJECTION_CODES`). */
  byCode: z.record(z.string().min(1).max(64), count),
  /** Packets addressed to the agent on a topic it does not read (ignored, not rejected). */
  otherTopics: count,
  /** Text streams on the client topic still being read. */
  openStreams: count,
});
export type InboxStats = z.infer<typeof inboxStatsSchema>;
