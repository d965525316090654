import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Database } from './database.js';
import { StorageError, storageCall } from './errors.js';
import {
  deletionReceipts,
  type HintRow,
  hints,
  type ParticipantRow,
  participants,
  type SessionReportRow,
  type SessionRow,
  type SignalRow,
  sessionReports,
  sessions,
  signals,
  type TranscriptSegmentRow,
  transcriptSegments,
} from './schema.js';
import type {
  HintFeedback,
  HintInput,
  JoinRecord,
  ListOptions,
  NewSession,
  SignalInput,
  Timestamp,
  TranscriptSegmentInput,
} from './store-types.js';

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

/** A protocol timestamp or Date as a valid Date; `invalid_input` otherwise. */
export function toDate(t: Timestamp, field: string): Date {
  const d = t instanceof Date ? t : new Date(t);
  if (!Number.isFinite(d.getTime())) {
    throw new StorageError('invalid_input', `${field} is not a valid timestamp`);
  }
  return d;
}

function limitOf(options: ListOptions | undefined): number {
  const limit = options?.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new StorageError('invalid_input', 'limit must be >= 1');
  return Math.min(limit, MAX_LIMIT);
}

/**
 * Reads and writes interview data. Inputs take protocol timestamps (ms) or Dates; rows come back with Dates.
 * Failures are `StorageError`s with a stable `code`; nothing else is thrown.
 */
export class InterviewStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The database it uses (for the other stores of the same data: hints, consent, audit). */
  get database(): Database {
    return this.#db;
  }

  /**
   * Creates a session. A taken room name or id fails with code `conflict`, and so does the id or room of a
   * deleted session (its deletion receipt names it), so that nothing records a deleted session again.
   */
  createSession(input: NewSession): Promise<SessionRow> {
    return storageCall('createSession', async () => {
      const byId = input.id === undefined ? undefined : eq(deletionReceipts.sessionId, input.id);
      const deleted = await this.#db
        .select({ id: deletionReceipts.id })
        .from(deletionReceipts)
        .where(or(eq(deletionReceipts.roomName, input.roomName), byId))
        .limit(1);
      if (deleted.length > 0) throw new StorageError('conflict', 'createSession: this session was deleted');
      const [row] = await this.#db
        .insert(sessions)
        .values({
          id: input.id ?? randomUUID(),
          roomName: input.roomName,
          candidateInviteHash: input.candidateInviteHash,
          interviewerInviteHash: input.interviewerInviteHash,
          settings: input.settings ?? {},
          ...(input.createdAt !== undefined && { createdAt: toDate(input.createdAt, 'createdAt') }),
        })
        .returning();
      if (!row) throw new StorageError('unavailable', 'createSession: no row returned');
      return row;
    });
  }

  getSession(id: string): Promise<SessionRow | undefined> {
    return storageCall('getSession', async () => {
      const [row] = await this.#db.select().from(sessions).where(eq(sessions.id, id)).limit(1);
      return row;
    });
  }

  getSessionByRoom(roomName: string): Promise<SessionRow | undefined> {
    return storageCall('getSessionByRoom', async () => {
      const [row] = await this.#db.select().from(sessions).where(eq(sessions.roomName, roomName)).limit(1);
      return row;
    });
  }

  /** Marks a session ended. Returns false when it does not exist or had already ended. */
  endSession(id: string, at: Timestamp = Date.now()): Promise<boolean> {
    return storageCall('endSession', async () => {
      const rows = await this.#db
        .update(sessions)
        .set({ endedAt: toDate(at, 'at') })
        .where(and(eq(sessions.id, id), isNull(sessions.endedAt)))
        .returning({ id: sessions.id });
      return rows.length > 0;
    });
  }

  /** Records a participant joining the session's room. */
  recordJoin(join: JoinRecord): Promise<ParticipantRow> {
    return storageCall('recordJoin', async () => {
      const [row] = await this.#db
        .insert(participants)
        .values({
          sessionId: join.sessionId,
          identity: join.identity,
          role: join.role,
          name: join.name ?? '',
          joinedAt: toDate(join.at, 'at'),
        })
        .returning();
      if (!row) throw new StorageError('unavailable', 'recordJoin: no row returned');
      return row;
    });
  }

  /** Records that an identity left. Returns false when no open stay of that identity exists. */
  recordLeave(leave: { sessionId: string; identity: string; at: Timestamp }): Promise<boolean> {
    return storageCall('recordLeave', async () => {
      const rows = await this.#db
        .update(participants)
        .set({ leftAt: toDate(leave.at, 'at') })
        .where(
          and(
            eq(participants.sessionId, leave.sessionId),
            eq(participants.identity, leave.identity),
            isNull(participants.leftAt),
          ),
        )
        .returning({ id: participants.id });
      return rows.length > 0;
    });
  }

  /**
   * Inserts signals in one statement. Ids already stored (a re-sent signal) are skipped, so the call is
   * idempotent; returns how many rows were inserted. An unknown session fails with `session_not_found`.
   */
  insertSignals(batch: readonly SignalInput[]): Promise<number> {
    return storageCall('insertSignals', async () => {
      if (batch.length === 0) return 0;
      const rows = batch.map((s) => ({
        id: s.id,
        sessionId: s.sessionId,
        analyser: s.analyser,
        kind: s.kind,
        media: s.media,
        rangeStart: toDate(s.range.start, 'range.start'),
        rangeEnd: toDate(s.range.end, 'range.end'),
        values: s.values,
        confidence: s.confidence,
        summary: s.summary,
      }));
      const inserted = await this.#db
        .insert(signals)
        .values(rows)
        .onConflictDoNothing({ target: signals.id })
        .returning({ id: signals.id });
      return inserted.length;
    });
  }

  /** Inserts a hint; returns false when a hint with that id already exists. */
  insertHint(hint: HintInput): Promise<boolean> {
    return storageCall('insertHint', async () => {
      const inserted = await this.#db
        .insert(hints)
        .values({
          id: hint.id,
          sessionId: hint.sessionId,
          kind: hint.kind,
          text: hint.text,
          evidence: [...hint.evidence],
          confidence: hint.confidence,
          source: hint.source,
          createdAt: toDate(hint.createdAt, 'createdAt'),
          triggerSignalId: hint.triggerSignalId ?? null,
          triggerAt: hint.triggerAt === undefined ? null : toDate(hint.triggerAt, 'triggerAt'),
          decidedAt: hint.decidedAt === undefined ? null : toDate(hint.decidedAt, 'decidedAt'),
          llmFirstTokenAt:
            hint.llmFirstTokenAt === undefined ? null : toDate(hint.llmFirstTokenAt, 'llmFirstTokenAt'),
          publishedAt: hint.publishedAt === undefined ? null : toDate(hint.publishedAt, 'publishedAt'),
          recipients: [...(hint.recipients ?? [])],
          why: hint.why ?? null,
        })
        .onConflictDoNothing({ target: hints.id })
        .returning({ id: hints.id });
      return inserted.length > 0;
    });
  }

  /** Sets when a hint was first delivered to interviewers. Returns false for an unknown hint. */
  markHintPublished(hintId: string, at: Timestamp = Date.now()): Promise<boolean> {
    return storageCall('markHintPublished', async () => {
      const rows = await this.#db
        .update(hints)
        .set({
          publishedAt: sql`coalesce(${hints.publishedAt}, ${toDate(at, 'at').toISOString()}::timestamptz)`,
        })
        .where(eq(hints.id, hintId))
        .returning({ id: hints.id });
      return rows.length > 0;
    });
  }

  /** Stores the report of a session, replacing an earlier one. */
  saveReport(sessionId: string, report: Record<string, unknown>, at: Timestamp = Date.now()): Promise<void> {
    return storageCall('saveReport', async () => {
      const createdAt = toDate(at, 'at');
      await this.#db
        .insert(sessionReports)
        .values({ sessionId, report, createdAt })
        .onConflictDoUpdate({ target: sessionReports.sessionId, set: { report, createdAt } });
    });
  }

  getReport(sessionId: string): Promise<SessionReportRow | undefined> {
    return storageCall('getReport', async () => {
      const [row] = await this.#db
        .select()
        .from(sessionReports)
        .where(eq(sessionReports.sessionId, sessionId))
        .limit(1);
      return row;
    });
  }

  /** Stores an interviewer's verdict on a hint (last one wins). Unknown hint → false, never throws for it. */
  recordHintFeedback(feedback: HintFeedback): Promise<boolean> {
    return storageCall('recordHintFeedback', async () => {
      const where = feedback.sessionId
        ? and(eq(hints.id, feedback.hintId), eq(hints.sessionId, feedback.sessionId))
        : eq(hints.id, feedback.hintId);
      const rows = await this.#db
        .update(hints)
        .set({ feedbackUseful: feedback.useful, feedbackAt: toDate(feedback.at, 'at') })
        .where(where)
        .returning({ id: hints.id });
      return rows.length > 0;
    });
  }

  /**
   * Writes a transcript segment. Writing the same id again updates it (interim → final), but a final
   * segment is never overwritten and a segment never moves to another session. Returns whether it was written.
   *
   * The final version (`final: true`, status `ok` or `failed`: both are terminal) sets `finalized_at` to
   * `segment.finalizedAt`, or to the time of the write when none is given; interim versions leave it null.
   */
  insertTranscriptSegment(segment: TranscriptSegmentInput): Promise<boolean> {
    return storageCall('insertTranscriptSegment', async () => {
      const finalizedAt = !segment.final
        ? null
        : segment.finalizedAt === undefined
          ? sql`now()`
          : toDate(segment.finalizedAt, 'finalizedAt');
      const values = {
        id: segment.id,
        sessionId: segment.sessionId,
        speakerIdentity: segment.speakerIdentity,
        speakerRole: segment.speakerRole,
        text: segment.text,
        startAt: toDate(segment.start, 'start'),
        endAt: toDate(segment.end, 'end'),
        final: segment.final,
        status: segment.status ?? 'ok',
        finalizedAt,
      };
      const rows = await this.#db
        .insert(transcriptSegments)
        .values(values)
        .onConflictDoUpdate({
          target: transcriptSegments.id,
          set: {
            text: values.text,
            endAt: values.endAt,
            final: values.final,
            status: values.status,
            finalizedAt: values.finalizedAt,
          },
          setWhere: and(
            eq(transcriptSegments.final, false),
            eq(transcriptSegments.sessionId, values.sessionId),
          ),
        })
        .returning({ id: transcriptSegments.id });
      return rows.length > 0;
    });
  }

  listParticipants(sessionId: string, options?: ListOptions): Promise<ParticipantRow[]> {
    return storageCall('listParticipants', () =>
      this.#db
        .select()
        .from(participants)
        .where(eq(participants.sessionId, sessionId))
        .orderBy(asc(participants.joinedAt), asc(participants.id))
        .limit(limitOf(options)),
    );
  }

  /** Signals of a session in insertion order, then by time range. */
  listSignals(sessionId: string, options?: ListOptions): Promise<SignalRow[]> {
    return storageCall('listSignals', () =>
      this.#db
        .select()
        .from(signals)
        .where(eq(signals.sessionId, sessionId))
        .orderBy(asc(signals.createdAt), asc(signals.rangeStart), asc(signals.id))
        .limit(limitOf(options)),
    );
  }

  listHints(sessionId: string, options?: ListOptions): Promise<HintRow[]> {
    return storageCall('listHints', () =>
      this.#db
        .select()
        .from(hints)
        .where(eq(hints.sessionId, sessionId))
        .orderBy(asc(hints.createdAt), asc(hints.id))
        .limit(limitOf(options)),
    );
  }

  /** Transcript segments of a session ordered by start time. */
  listTranscript(sessionId: string, options?: ListOptions): Promise<TranscriptSegmentRow[]> {
    return storageCall('listTranscript', () =>
      this.#db
        .select()
        .from(transcriptSegments)
        .where(eq(transcriptSegments.sessionId, sessionId))
        .orderBy(asc(transcriptSegments.startAt), asc(transcriptSegments.id))
        .limit(limitOf(options)),
    );
  }
}
