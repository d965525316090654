import { and, count, desc, eq, max } from 'drizzle-orm';
import type { Database } from './database.js';
import { storageCall } from './errors.js';
import { hints, signals } from './schema.js';

/** What a session had stored when a new job takes it over (see {@link RecoveryStore.resumeState}). */
export interface StoredProgress {
  /** Signals stored for the session. */
  signals: number;
  /** End of the latest stored signal (ms since the Unix epoch); undefined without signals. */
  lastSignalAt?: number;
  /** `answer-end` signals stored (answers of the candidate so far). */
  answers: number;
  /** The latest `code-update` signal's values (revision, language, bytes, lines). */
  lastCode?: Record<string, number | string | boolean>;
  /** The latest `opt-out` signal's `groups` (comma-separated; '' = everything back on). */
  optOutGroups?: string;
  /** The latest hints (newest first, at most `hintLimit`): when each was published and to whom. */
  hints: { kind: string; at: number; recipients: string[] }[];
}

/** Reads what a session stored before its job stopped, so a new job can resume it. */
export class RecoveryStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The session's stored progress (counts, latest code-pad revision, opt-out, latest hints). */
  resumeState(sessionId: string, hintLimit = 20): Promise<StoredProgress> {
    return storageCall('resumeState', async () => {
      const [totals] = await this.#db
        .select({ n: count(), last: max(signals.rangeEnd) })
        .from(signals)
        .where(eq(signals.sessionId, sessionId));
      const [answers] = await this.#db
        .select({ n: count() })
        .from(signals)
        .where(and(eq(signals.sessionId, sessionId), eq(signals.kind, 'answer-end')));
      const latest = async (kind: string) =>
        (
          await this.#db
            .select({ values: signals.values })
            .from(signals)
            .where(and(eq(signals.sessionId, sessionId), eq(signals.kind, kind)))
            .orderBy(desc(signals.rangeEnd), desc(signals.createdAt))
            .limit(1)
        )[0]?.values;
      const [code, optOut] = await Promise.all([latest('code-update'), latest('opt-out')]);
      const recent = await this.recentHints(sessionId, hintLimit);
      const last = totals?.last ? new Date(totals.last).getTime() : undefined;
      return {
        signals: Number(totals?.n ?? 0),
        ...(last !== undefined ? { lastSignalAt: last } : {}),
        answers: Number(answers?.n ?? 0),
        ...(code ? { lastCode: code } : {}),
        ...(optOut ? { optOutGroups: String(optOut.groups ?? '') } : {}),
        hints: recent,
      };
    });
  }

  /** The session's latest hints, newest first: kind, when published (else created), and to whom. */
  recentHints(sessionId: string, limit = 20): Promise<StoredProgress['hints']> {
    return storageCall('recentHints', async () => {
      const rows = await this.#db
        .select({ kind: hints.kind, at: hints.publishedAt, created: hints.createdAt, to: hints.recipients })
        .from(hints)
        .where(eq(hints.sessionId, sessionId))
        .orderBy(desc(hints.createdAt))
        .limit(limit);
      return rows.map((h) => ({ kind: h.kind, at: new Date(h.at ?? h.created).getTime(), recipients: h.to }));
    });
  }
}
