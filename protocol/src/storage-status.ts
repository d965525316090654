import { z } from 'zod';
import { timestampSchema as timestamp } from './common.js';

const count = z.number().int().nonnegative();

/**
 * Whether the session's records reach the database: `ok`; `retrying` (the database is unreachable: records wait
 * in the agent's memory, in order, and are written when it is back); `full` (the memory buffer is full: newer
 * records go to spill files on the agent's disk and are written after the buffered ones).
 */
export const storageStateSchema = z.enum(['ok', 'retrying', 'full']);
export type StorageState = z.infer<typeof storageStateSchema>;

/** The session's write path, in the agent's periodic `stats` message. */
export const storageStatusSchema = z.object({
  state: storageStateSchema,
  /** Since when the state holds. */
  since: timestamp,
  /** Rows waiting to be written (memory and spill files), and of them those in spill files. */
  pendingRows: count,
  spilledRows: count,
  /** Rows the memory buffer holds before spilling. */
  maxRows: count,
  /** Rows written, lost (no room left anywhere) and refused by the database (invalid) so far. */
  appliedRows: count,
  droppedRows: count,
  rejectedRows: count,
  /** The last outage: how long the database was unreachable, rows waiting then, and how long writing them took. */
  lastRecovery: z.object({ outageMs: count, rows: count, flushMs: count }).optional(),
});
export type StorageStatus = z.infer<typeof storageStatusSchema>;

/**
 * `values` of the `storage-degraded` signal: an episode from the moment the agent's write buffer is full (the
 * database has been unreachable long enough) until every waiting record is written. Records go on being kept
 * (in spill files) meanwhile; `droppedRows` counts any that could not be kept at all.
 */
export const storageDegradedValuesSchema = z.strictObject({
  phase: z.enum(['start', 'update', 'end']),
  episodeId: z.string().min(1).max(64),
  durationMs: count,
  pendingRows: count,
  spilledRows: count,
  maxRows: count,
  droppedRows: count,
});
export type StorageDegradedValues = z.infer<typeof storageDegradedValuesSchema>;
