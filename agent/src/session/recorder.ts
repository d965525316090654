import { randomBytes } from 'node:crypto';
import type { SignalMessage } from '@interview-helper/protocol';
import { hashInvite, InterviewStore, openDatabase } from '@interview-helper/storage';
import { logger } from '../log.js';
import type { SessionRecorder } from './recorder-types.js';

/** Options of {@link openRecorder}. */
export interface RecorderOptions {
  /** Postgres URL; without it the job keeps its records in an in-memory PGlite (lost at job end). */
  databaseUrl?: string;
  roomName: string;
  /** Session id from the dispatch metadata, when the token server dispatched the agent. */
  sessionId?: string;
  /** Signals kept for retry while the database is unreachable; the oldest are dropped past it. */
  maxPendingSignals?: number;
}

/** A recorder bound to one session, plus the id of that session. */
export type BoundRecorder = SessionRecorder & { sessionId: string };

/**
 * Opens the database for one job and resolves the interview session it records: the id from the
 * dispatch metadata, else the session of the room, else a new session row for a room the token
 * server did not create (its invites are random, unusable hashes). Writes that fail are logged and
 * retried with the next batch; nothing here throws into the session.
 */
export async function openRecorder(opts: RecorderOptions): Promise<BoundRecorder> {
  const log = logger('recorder');
  if (!opts.databaseUrl) {
    log.warn('DATABASE_URL is not set: this job records into an in-memory database that ends with the job');
  }
  const opened = await openDatabase({ url: opts.databaseUrl });
  const store = new InterviewStore(opened.db);
  const byId = opts.sessionId ? await store.getSession(opts.sessionId) : undefined;
  const session =
    byId ??
    (await store.getSessionByRoom(opts.roomName)) ??
    (await store.createSession({
      roomName: opts.roomName,
      candidateInviteHash: hashInvite(randomBytes(32).toString('base64url')),
      interviewerInviteHash: hashInvite(randomBytes(32).toString('base64url')),
      settings: { createdBy: 'agent' },
    }));
  if (!byId)
    log.warn(
      { room: opts.roomName, sessionId: session.id },
      'room has no dispatch session id; using the room',
    );
  const maxPending = opts.maxPendingSignals ?? 20_000;
  let pending: SignalMessage[] = [];

  return {
    sessionId: session.id,
    database: opened.db,
    presence: async (e) => {
      try {
        if (e.joined)
          await store.recordJoin({
            sessionId: session.id,
            identity: e.identity,
            role: e.role,
            name: e.name,
            at: e.at,
          });
        else await store.recordLeave({ sessionId: session.id, identity: e.identity, at: e.at });
      } catch (err) {
        log.error({ err, identity: e.identity }, 'could not record presence');
      }
    },
    signals: async (batch) => {
      pending = pending.concat(batch);
      if (pending.length > maxPending) {
        log.error(
          { dropped: pending.length - maxPending },
          'database unreachable for long: oldest signals dropped',
        );
        pending = pending.slice(-maxPending);
      }
      try {
        await store.insertSignals(pending);
        pending = [];
      } catch (err) {
        log.error({ err, pending: pending.length }, 'could not store signals; will retry');
      }
    },
    insertTranscriptSegment: (segment) => store.insertTranscriptSegment(segment),
    hintFeedback: async (hintId, useful, at) => {
      try {
        return await store.recordHintFeedback({ sessionId: session.id, hintId, useful, at });
      } catch (err) {
        log.error({ err, hintId }, 'could not record hint feedback');
        return false;
      }
    },
    settings: async () => {
      try {
        return (await store.getSession(session.id))?.settings ?? session.settings;
      } catch (err) {
        log.error({ err }, 'could not read the session settings; using those read at start');
        return session.settings;
      }
    },
    close: () => opened.close(),
  };
}
