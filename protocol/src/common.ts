import { z } from 'zod';

/** Protocol version carried by every message. Bump on any incompatible change. */
export const PROTOCOL_VERSION = 2 as const;

/** The `v` field of every message. */
export const versionSchema = z.literal(PROTOCOL_VERSION);
/** An id: signal, hint, session, segment. */
export const idSchema = z.string().min(1).max(128);
/** Milliseconds since the Unix epoch. */
export const timestampSchema = z.number().int().nonnegative();

/** A time range in milliseconds since the Unix epoch. */
export const timeRangeSchema = z
  .object({ start: timestampSchema, end: timestampSchema })
  .refine((r) => r.end >= r.start, { message: 'end must not be before start' });
