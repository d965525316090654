import type { ConductStore } from '@interview-helper/storage';
import type { SessionWrites } from './recorder-types.js';

/** Conduct notes written through the session's write path (queued in order; never waits, never throws). */
export function queuedConductStore(writes: SessionWrites): Pick<ConductStore, 'upsert' | 'delivered'> {
  return {
    upsert: async (note) => writes.enqueue({ op: 'upsertConductNote', note }),
    delivered: async (id, at) =>
      writes.enqueue({ op: 'conductNoteDelivered', id, at: at instanceof Date ? at.getTime() : at }),
  };
}
