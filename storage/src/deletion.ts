import { randomUUID } from 'node:crypto';
import { asc, desc, eq, lt, sql } from 'drizzle-orm';
import type { Database } from './database.js';
import { StorageError, storageCall } from './errors.js';
import {
  type DeletedRows,
  type DeletionReceiptRow,
  deletionReceipts,
  type SessionRow,
  sessions,
} from './schema.js';
import { SESSION_TABLES } from './session-tables.js';
import { toDate } from './store.js';
import type { Timestamp } from './store-types.js';

/** What happened to the session's LiveKit room before its data was deleted. */
export type RoomOutcome = DeletionReceiptRow['room'];

/** Who asked for a deletion and why; see {@link SessionDeletion.deleteSession}. */
export interface DeletionRequest {
  /** Who asked: a label such as `admin` or `hr-ops (ticket 4711)`; never personal data of the candidate. */
  requestedBy: string;
  reason: 'request' | 'retention';
  /** When the deletion happens (default now). */
  at?: Timestamp;
  /** What was done with the LiveKit room (default `not-checked`). */
  room?: RoomOutcome;
}

/** Result of a deletion: the new receipt, the receipt of an earlier deletion, or no such session. */
export type DeletionResult =
  | { status: 'deleted'; receipt: DeletionReceiptRow }
  | { status: 'already-deleted'; receipt: DeletionReceiptRow }
  | { status: 'not-found' };

/** Longest `requestedBy` label stored. */
export const MAX_REQUESTED_BY = 200;

/** Rows of `select count(*) as n`, from either driver (postgres.js: an array; PGlite: `{ rows }`). */
function countOf(result: unknown): number {
  const rows = Array.isArray(result) ? result : (result as { rows?: unknown[] }).rows;
  const n = Number((rows?.[0] as { n?: unknown } | undefined)?.n);
  if (!Number.isFinite(n)) throw new StorageError('unavailable', 'deleteSession: no row count returned');
  return n;
}

/**
 * Deletes everything stored about an interview session (every table of `SESSION_TABLES`, then the session
 * row) in one transaction and keeps a receipt of it, and finds sessions past a retention period. Failures are
 * `StorageError`s with a stable `code`.
 */
export class SessionDeletion {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Deletes one session's data and stores a receipt with the row count of every table. A session already
   * deleted gives its latest receipt (`already-deleted`) and deletes nothing; an id never seen gives
   * `not-found`. Concurrent calls for one session delete it once (the session row is locked first).
   */
  deleteSession(sessionId: string, request: DeletionRequest): Promise<DeletionResult> {
    return storageCall('deleteSession', async () => {
      const requestedBy = request.requestedBy.trim();
      if (requestedBy.length === 0 || requestedBy.length > MAX_REQUESTED_BY) {
        throw new StorageError('invalid_input', `requestedBy must be 1-${MAX_REQUESTED_BY} characters`);
      }
      const deletedAt = toDate(request.at ?? Date.now(), 'at');
      return this.#db.transaction(async (tx): Promise<DeletionResult> => {
        const [session] = await tx.select().from(sessions).where(eq(sessions.id, sessionId)).for('update');
        if (!session) {
          const [earlier] = await tx
            .select()
            .from(deletionReceipts)
            .where(eq(deletionReceipts.sessionId, sessionId))
            .orderBy(desc(deletionReceipts.deletedAt))
            .limit(1);
          return earlier ? { status: 'already-deleted', receipt: earlier } : { status: 'not-found' };
        }
        const rows: DeletedRows = {};
        for (const t of SESSION_TABLES) {
          rows[t.name] = countOf(
            await tx.execute(
              sql`with d as (delete from ${t.table} where ${t.session} = ${sessionId} returning 1) select count(*)::int as n from d`,
            ),
          );
        }
        const gone = await tx
          .delete(sessions)
          .where(eq(sessions.id, sessionId))
          .returning({ id: sessions.id });
        rows.sessions = gone.length;
        const [receipt] = await tx
          .insert(deletionReceipts)
          .values({
            id: `del_${randomUUID()}`,
            sessionId,
            roomName: session.roomName,
            sessionCreatedAt: session.createdAt,
            deletedAt,
            requestedBy,
            reason: request.reason,
            room: request.room ?? 'not-checked',
            rows,
          })
          .returning();
        if (!receipt) throw new StorageError('unavailable', 'deleteSession: no receipt returned');
        return { status: 'deleted', receipt };
      });
    });
  }

  /** The latest deletion receipt of a session, if it was deleted. */
  getReceipt(sessionId: string): Promise<DeletionReceiptRow | undefined> {
    return storageCall('getReceipt', async () => {
      const [row] = await this.#db
        .select()
        .from(deletionReceipts)
        .where(eq(deletionReceipts.sessionId, sessionId))
        .orderBy(desc(deletionReceipts.deletedAt))
        .limit(1);
      return row;
    });
  }

  /** Sessions created before `before`, oldest first (at most `limit`): what a retention period has expired. */
  listCreatedBefore(before: Timestamp, limit = 100): Promise<SessionRow[]> {
    return storageCall('listCreatedBefore', () =>
      this.#db
        .select()
        .from(sessions)
        .where(lt(sessions.createdAt, toDate(before, 'before')))
        .orderBy(asc(sessions.createdAt), asc(sessions.id))
        .limit(Math.max(1, Math.min(limit, 10_000))),
    );
  }
}
