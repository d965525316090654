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
} from '@interview-helper/storage';
import type { logger } from '../log.js';

type Logger = ReturnType<typeof logger>;

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

  private constructor(opened: OpenedDatabase, sessionId: string, log: Logger) {
    this.#opened = opened;
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
   * store); closing the log leaves that database open for its owner.
   */
  static over(db: Database, sessionId: string, log: Logger): HintLog {
    const borrowed: OpenedDatabase = { db, kind: 'postgres', migrationMs: 0, close: async () => {} };
    return new HintLog(borrowed, sessionId, log);
  }

  /** The database the session's records are in (the plan section of the report reads it). */
  get database(): Database {
    return this.#opened.db;
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
    return this.#try('insertHint', () => this.#store.insertHint(hint), false);
  }

  merge(hintId: string, evidence: string[]): Promise<boolean> {
    return this.#try('mergeIntoHint', () => this.#hints.mergeIntoHint(hintId, evidence), false);
  }

  /** Replaces what a hint says with what was last sent (after a merge or a refresh at delivery). */
  update(hintId: string, update: Parameters<HintStore['updateHint']>[1]): Promise<boolean> {
    return this.#try('updateHint', () => this.#hints.updateHint(hintId, update), false);
  }

  /** Records interviewers a hint was dropped for, and why. */
  dropped(hintId: string, drops: HintDrop[]): Promise<boolean> {
    return this.#try('addHintDrops', () => this.#hints.addHintDrops(hintId, drops), false);
  }

  delivered(hintId: string, to: string[], at: number): Promise<boolean> {
    return this.#try('addHintRecipients', () => this.#hints.addHintRecipients(hintId, to, at), false);
  }

  feedback(hintId: string, useful: boolean, at: number): Promise<boolean> {
    return this.#try(
      'recordHintFeedback',
      () => this.#store.recordHintFeedback({ sessionId: this.#sessionId, hintId, useful, at }),
      false,
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
    return this.#try(
      'saveReport',
      async () => {
        await this.#store.saveReport(this.#sessionId, report);
        return true;
      },
      false,
    );
  }

  close(): Promise<void> {
    return this.#opened.close();
  }
}
