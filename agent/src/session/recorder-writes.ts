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

/** A plan edit to store: the new plan, who made it and when (the time is fixed when queued). */
export interface PlanEdit {
  sessionId: string;
  plan: Record<string, unknown>;
  by: string;
  at?: number;
}

/**
 * Queues an interviewer's plan edit on the session's write path, in order with the session's other writes: while
 * the database is unreachable it waits (in memory or spill files) and is stored when the database is back, as a
 * new revision. Never waits, never throws.
 */
export function queuePlanEdit(writes: SessionWrites, edit: PlanEdit): void {
  const { sessionId, plan, by, at = Date.now() } = edit;
  writes.enqueue({ op: 'setPlan', sessionId, plan, by, at });
}
