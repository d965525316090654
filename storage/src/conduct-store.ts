import { and, asc, eq } from 'drizzle-orm';
import type { Database } from './database.js';
import { storageCall } from './errors.js';
import { type ConductNoteRow, conductNotes } from './schema.js';
import { toDate } from './store.js';
import type { Timestamp } from './store-types.js';

/** A conduct note to store (see `conductNotes`). */
export interface ConductNoteInput {
  id: string;
  sessionId: string;
  interviewerIdentity: string;
  kind: string;
  topic?: string;
  text: string;
  quote?: string;
  rephrase?: string;
  severity: 'info' | 'warning';
  source: 'rules' | 'llm';
  evidence: readonly string[];
  values?: Record<string, number | string | boolean>;
  observedAt: Timestamp;
  createdAt: Timestamp;
}

/** The audit trail of interviewers' private conduct notes. Failures are `StorageError`s with a stable `code`. */
export class ConductStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Stores a note, or replaces what an earlier note of the same id says (an update). */
  upsert(note: ConductNoteInput): Promise<void> {
    return storageCall('upsertConductNote', async () => {
      const row = {
        id: note.id,
        sessionId: note.sessionId,
        interviewerIdentity: note.interviewerIdentity,
        kind: note.kind,
        topic: note.topic ?? null,
        text: note.text,
        quote: note.quote ?? null,
        rephrase: note.rephrase ?? null,
        severity: note.severity,
        source: note.source,
        evidence: [...note.evidence],
        values: note.values ?? null,
        observedAt: toDate(note.observedAt, 'observedAt'),
        createdAt: toDate(note.createdAt, 'createdAt'),
      };
      await this.#db
        .insert(conductNotes)
        .values(row)
        .onConflictDoUpdate({
          target: conductNotes.id,
          set: {
            text: row.text,
            rephrase: row.rephrase,
            source: row.source,
            evidence: row.evidence,
            topic: row.topic,
          },
        });
    });
  }

  /** Records that the note reached its interviewer. */
  delivered(id: string, at: Timestamp): Promise<void> {
    return storageCall('conductNoteDelivered', async () => {
      await this.#db
        .update(conductNotes)
        .set({ deliveredAt: toDate(at, 'deliveredAt') })
        .where(eq(conductNotes.id, id));
    });
  }

  /** The notes of a session (of one interviewer when given), oldest first. */
  list(sessionId: string, interviewer?: string): Promise<ConductNoteRow[]> {
    return storageCall('listConductNotes', () =>
      this.#db
        .select()
        .from(conductNotes)
        .where(
          interviewer
            ? and(eq(conductNotes.sessionId, sessionId), eq(conductNotes.interviewerIdentity, interviewer))
            : eq(conductNotes.sessionId, sessionId),
        )
        .orderBy(asc(conductNotes.createdAt)),
    );
  }
}
