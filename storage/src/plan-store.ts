import { and, eq, sql } from 'drizzle-orm';
import type { Database } from './database.js';
import { StorageError, storageCall } from './errors.js';
import { type SessionPlanRow, sessionPlans } from './schema.js';
import { toDate } from './store.js';
import type { Timestamp } from './store-types.js';

/** A stored plan as its owner sees it (the plan itself is validated by the caller's schema). */
export interface StoredPlan {
  revision: number;
  plan: Record<string, unknown>;
  updatedAt: Date;
  updatedBy: string;
}

const stored = (row: SessionPlanRow): StoredPlan => ({
  revision: row.revision,
  plan: row.plan,
  updatedAt: row.updatedAt,
  updatedBy: row.updatedBy,
});

/**
 * Interview plans: one per session, each edit a new revision, plus the agent's snapshot of live coverage.
 * Failures are `StorageError`s with a stable `code` (`session_not_found` for an unknown session, `conflict` when
 * an edit names a revision that is no longer the current one).
 */
export class PlanStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The session's plan, or undefined when it has none. */
  getPlan(sessionId: string): Promise<StoredPlan | undefined> {
    return storageCall('getPlan', async () => {
      const [row] = await this.#db
        .select()
        .from(sessionPlans)
        .where(eq(sessionPlans.sessionId, sessionId))
        .limit(1);
      return row ? stored(row) : undefined;
    });
  }

  /** The current revision (0 without a plan): a cheap check for edits made elsewhere. */
  revision(sessionId: string): Promise<number> {
    return storageCall('planRevision', async () => {
      const [row] = await this.#db
        .select({ revision: sessionPlans.revision })
        .from(sessionPlans)
        .where(eq(sessionPlans.sessionId, sessionId))
        .limit(1);
      return row?.revision ?? 0;
    });
  }

  /**
   * Sets the session's plan; the first plan is revision 1, each later one the next revision. With
   * `expectedRevision` the edit only applies on top of that revision (else `conflict`).
   */
  setPlan(
    sessionId: string,
    plan: Record<string, unknown>,
    by: string,
    opts: { at?: Timestamp; expectedRevision?: number } = {},
  ): Promise<StoredPlan> {
    return storageCall('setPlan', async () => {
      const at = toDate(opts.at ?? Date.now(), 'at');
      const expected = opts.expectedRevision;
      const [row] = await this.#db
        .insert(sessionPlans)
        .values({ sessionId, plan, updatedBy: by, updatedAt: at, revision: 1 })
        .onConflictDoUpdate({
          target: sessionPlans.sessionId,
          set: { plan, updatedBy: by, updatedAt: at, revision: sql`${sessionPlans.revision} + 1` },
          ...(expected !== undefined ? { setWhere: eq(sessionPlans.revision, expected) } : {}),
        })
        .returning();
      if (!row) throw new StorageError('conflict', `the plan is no longer at revision ${expected}`);
      return stored(row);
    });
  }

  /**
   * {@link setPlan} that can be applied twice (a queued write retried after a failure whose outcome is unknown):
   * when the current plan is already this edit (same author and time), it is returned instead of a new revision.
   */
  setPlanOnce(
    sessionId: string,
    plan: Record<string, unknown>,
    by: string,
    at: Timestamp,
  ): Promise<StoredPlan> {
    return storageCall('setPlan', async () => {
      const [row] = await this.#db
        .select()
        .from(sessionPlans)
        .where(
          and(
            eq(sessionPlans.sessionId, sessionId),
            eq(sessionPlans.updatedBy, by),
            eq(sessionPlans.updatedAt, toDate(at, 'at')),
          ),
        )
        .limit(1);
      return row ? stored(row) : this.setPlan(sessionId, plan, by, { at });
    });
  }

  /** Stores the agent's latest coverage snapshot (replaces the previous one). False without a plan row. */
  saveCoverage(
    sessionId: string,
    coverage: Record<string, unknown>,
    at: Timestamp = Date.now(),
  ): Promise<boolean> {
    return storageCall('savePlanCoverage', async () => {
      const rows = await this.#db
        .update(sessionPlans)
        .set({ coverage, coverageAt: toDate(at, 'at') })
        .where(eq(sessionPlans.sessionId, sessionId))
        .returning({ id: sessionPlans.sessionId });
      return rows.length > 0;
    });
  }

  /** The last coverage snapshot, if any. */
  getCoverage(sessionId: string): Promise<{ coverage: Record<string, unknown>; at: Date } | undefined> {
    return storageCall('getPlanCoverage', async () => {
      const [row] = await this.#db
        .select({ coverage: sessionPlans.coverage, at: sessionPlans.coverageAt })
        .from(sessionPlans)
        .where(eq(sessionPlans.sessionId, sessionId))
        .limit(1);
      return row?.coverage && row.at ? { coverage: row.coverage, at: row.at } : undefined;
    });
  }
}
