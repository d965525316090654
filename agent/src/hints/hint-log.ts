import { randomBytes } from 'node:crypto';
import type { SignalMessage } from '@interview-helper/protocol';
import type { logger } from '../log.js';
import { type Database, type OpenedDatabase, openDatabase } from '../storage/database.js';
import { HintStore } from '../storage/hint-store.js';
import { hashInvite } from '../storage/invites.js';
import type { HintRow, ParticipantRow, TranscriptSegmentRow } from '../storage/schema.js';
import { InterviewStore } from '../storage/store.js';
import type { HintInput } from '../storage/store-types.js';

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
        (await this.#store.listSignals(this.#sessionId, { limit: 10_000 })).map((r) => ({
          v: 1 as const,
          type: 'signal' as const,
          id: r.id,
          sessionId: r.sessionId,
          analyser: r.analyser,
          kind: r.kind,
          media: r.media,
          range: { start: r.rangeStart.getTime(), end: r.rangeEnd.getTime() },
          values: r.values,
          confidence: r.confidence,
          summary: r.summary,
        })),
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
