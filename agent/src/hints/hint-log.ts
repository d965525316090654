import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION, type SignalMessage, signalMessageSchema } from '@interview-helper/protocol';
import type {
  HintDrop,
  HintInput,
  HintRow,
  ParticipantRow,
  TranscriptSegmentRow,
} from '@interview-helper/storage';
import {
  type Database,
  HintStore,
  hashInvite,
  InterviewStore,
  type OpenedDatabase,
  openDatabase,
  type WriteOp,
} from '@interview-helper/storage';
import type { logger } from '../log.js';
import type { SessionWrites } from '../session/recorder-types.js';

type Logger = ReturnType<typeof logger>;

/** Longest wait for queued writes before the report reads the session's records. */
const REPORT_DRAIN_MS = 5000;

/**
 * Where the hint engine keeps hints, feedback and the report of one session. Every write is logged on
 * failure and never throws into the session.
 */
export class HintLog {
  #store: InterviewStore;
  #hints: HintStore;
  #opened: OpenedDatabase;
  #sessionId: string;
  #log: Logger;
  #writes?: SessionWrites;

  private constructor(opened: OpenedDatabase, sessionId: string, log: Logger, writes?: SessionWrites) {
    this.#opened = opened;
    this.#writes = writes;
    this.#store = new InterviewStore(opened.db);
    this.#hints = new HintStore(opened.db);
    this.#sessionId = sessionId;
    this.#log = log;
  }

  /**
   * Opens the session's database (`databaseUrl`, already migrated by the recorder), or, without one, an
   * in-memory database holding just this session, like the recorder's.
   */
  static async open(databaseUrl: string | undefined, sessionId: string, log: Logger): Promise<HintLog> {
    if (databaseUrl) {
      return new HintLog(
        await openDatabase({ url: databaseUrl, maxConnections: 2, migrate: false }),
        sessionId,
        log,
      );
    }
    const opened = await openDatabase();
    const store = new InterviewStore(opened.db);
    await store.createSession({
      id: sessionId,
      roomName: `memory-${sessionId}`,
      candidateInviteHash: hashInvite(randomBytes(32).toString('base64url')),
      interviewerInviteHash: hashInvite(randomBytes(32).toString('base64url')),
    });
    return new HintLog(opened, sessionId, log);
  }

  /**
   * The hint records of a session in the job's open database (the session recorder's, its one
   * store); closing the log leaves that database open for its owner. With the session's `writes`, every
   * write is queued there (in order, never waiting for the database) and reported as done.
   */
  static over(db: Database, sessionId: string, log: Logger, writes?: SessionWrites): HintLog {
    const borrowed: OpenedDatabase = { db, kind: 'postgres', migrationMs: 0, close: async () => {} };
    return new HintLog(borrowed, sessionId, log, writes);
  }

  /** The database the session's records are in (the plan section of the report reads it). */
  get database(): Database {
    return this.#opened.db;
  }

  /** Queues `write` when the session has a write path (`applied` sees its result later); runs `fn` otherwise. */
  #write(write: WriteOp, fn: () => Promise<boolean>, applied?: (result: unknown) => void): Promise<boolean> {
    if (!this.#writes) return this.#try(write.op, fn, false);
    this.#writes.enqueue(write, applied);
    return Promise.resolve(true);
  }

  /** Lets queued writes reach the database before the session's records are read (waits at most 5 s). */
  async settled(): Promise<void> {
    await this.#writes?.drain(REPORT_DRAIN_MS);
  }

  async #try<T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.#log.error({ err, what }, 'hint storage failed');
      return fallback;
    }
  }

  insert(hint: HintInput): Promise<boolean> {
    return this.#write({ op: 'insertHint', hint }, () => this.#store.insertHint(hint));
  }

  merge(hintId: string, evidence: string[]): Promise<boolean> {
    return this.#write({ op: 'mergeIntoHint', hintId, evidence }, () =>
      this.#hints.mergeIntoHint(hintId, evidence),
    );
  }

  /** Replaces what a hint says with what was last sent (after a merge or a refresh at delivery). */
  update(hintId: string, update: Parameters<HintStore['updateHint']>[1]): Promise<boolean> {
    return this.#write({ op: 'updateHint', hintId, update }, () => this.#hints.updateHint(hintId, update));
  }

  /** Records interviewers a hint was dropped for, and why. */
  dropped(hintId: string, drops: HintDrop[]): Promise<boolean> {
    return this.#write({ op: 'addHintDrops', hintId, drops }, () => this.#hints.addHintDrops(hintId, drops));
  }

  delivered(hintId: string, to: string[], at: number): Promise<boolean> {
    return this.#write({ op: 'addHintRecipients', hintId, identities: to, at }, () =>
      this.#hints.addHintRecipients(hintId, to, at),
    );
  }

  /**
   * Stores an interviewer's verdict; false for an unknown hint. With a write path it is queued and reported as
   * stored; a hint found unknown when it is written is logged then.
   */
  feedback(hintId: string, useful: boolean, at: number): Promise<boolean> {
    const feedback = { sessionId: this.#sessionId, hintId, useful, at };
    return this.#write(
      { op: 'recordHintFeedback', feedback },
      () => this.#store.recordHintFeedback(feedback),
      (known) => {
        if (known === false) this.#log.warn({ hintId }, 'feedback for unknown hint dropped');
      },
    );
  }

  /** Stored signals of the session (the report adds those not yet flushed). */
  signals(): Promise<SignalMessage[]> {
    return this.#try(
      'listSignals',
      async () =>
        (await this.#store.listSignals(this.#sessionId, { limit: 10_000 })).flatMap((r) => {
          // rows written before the typed catalogue (or by a newer agent) are left out of the report
          const parsed = signalMessageSchema.safeParse({
            v: PROTOCOL_VERSION,
            type: 'signal',
            id: r.id,
            sessionId: r.sessionId,
            analyser: r.analyser,
            kind: r.kind,
            media: r.media,
            range: { start: r.rangeStart.getTime(), end: r.rangeEnd.getTime() },
            values: r.values,
            confidence: r.confidence,
            summary: r.summary,
          });
          return parsed.success ? [parsed.data] : [];
        }),
      [],
    );
  }

  hints(): Promise<HintRow[]> {
    return this.#try('listHints', () => this.#store.listHints(this.#sessionId, { limit: 10_000 }), []);
  }

  transcript(): Promise<TranscriptSegmentRow[]> {
    return this.#try(
      'listTranscript',
      () => this.#store.listTranscript(this.#sessionId, { limit: 10_000 }),
      [],
    );
  }

  participants(): Promise<ParticipantRow[]> {
    return this.#try('listParticipants', () => this.#store.listParticipants(this.#sessionId), []);
  }

  saveReport(report: Record<string, unknown>): Promise<boolean> {
    return this.#write({ op: 'saveReport', sessionId: this.#sessionId, report, at: Date.now() }, async () => {
      await this.#store.saveReport(this.#sessionId, report);
      return true;
    });
  }

  close(): Promise<void> {
    return this.#opened.close();
  }
}
