import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from './database.js';
import { storageCall } from './errors.js';
import { participants, sessions } from './schema.js';
import { SESSION_TABLES } from './session-tables.js';

/** Version tag of {@link CandidateExport}. */
export const EXPORT_FORMAT = 'interview-helper.candidate-export.v1';

/**
 * Everything stored about the candidate of one session. `tables` has one entry per session table
 * (`SESSION_TABLES`): rows of tables that name a participant are the candidate's own (their stays in the room,
 * their transcribed speech); every other table's rows describe the analysed candidate (signals, hints, report,
 * …) and come whole.
 */
export interface CandidateExport {
  format: typeof EXPORT_FORMAT;
  exportedAt: string;
  session: {
    id: string;
    roomName: string;
    createdAt: string;
    endedAt: string | null;
    settings: Record<string, unknown>;
  };
  /** The candidate identities covered (a browser refresh gives the candidate a new identity). */
  identities: string[];
  tables: Record<string, Record<string, unknown>[]>;
}

/** Why an export is refused. */
export type ExportRefusal = 'session-not-found' | 'participant-not-found';

/** Reads everything stored about a session's candidate (access requests). Failures are `StorageError`s. */
export class SessionExporter {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * The candidate's data in a session: of one candidate identity when `identity` is given (it must have joined
   * as the candidate), else of every identity that joined as the candidate.
   */
  exportCandidate(
    sessionId: string,
    options: { identity?: string; at?: Date } = {},
  ): Promise<CandidateExport | ExportRefusal> {
    return storageCall('exportCandidate', async () => {
      const [session] = await this.#db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
      if (!session) return 'session-not-found';
      const stays = await this.#db
        .select({ identity: participants.identity })
        .from(participants)
        .where(and(eq(participants.sessionId, sessionId), eq(participants.role, 'candidate')));
      const candidates = [...new Set(stays.map((s) => s.identity))];
      const identities = options.identity === undefined ? candidates : [options.identity];
      if (options.identity !== undefined && !candidates.includes(options.identity)) {
        return 'participant-not-found';
      }
      const tables: CandidateExport['tables'] = {};
      for (const t of SESSION_TABLES) {
        const where = t.identity
          ? and(eq(t.session, sessionId), inArray(t.identity, identities.length > 0 ? identities : ['']))
          : eq(t.session, sessionId);
        tables[t.name] = (await this.#db.select().from(t.table).where(where)) as Record<string, unknown>[];
      }
      return {
        format: EXPORT_FORMAT,
        exportedAt: (options.at ?? new Date()).toISOString(),
        session: {
          id: session.id,
          roomName: session.roomName,
          createdAt: session.createdAt.toISOString(),
          endedAt: session.endedAt?.toISOString() ?? null,
          settings: session.settings,
        },
        identities,
        tables,
      };
    });
  }
}
