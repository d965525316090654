import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { hashInvite, InterviewStore, openDatabase, WriteBuffer } from '@interview-helper/storage';
import { logger } from '../log.js';
import type { SessionRecorder } from './recorder-types.js';

/** Options of {@link openRecorder}. */
export interface RecorderOptions {
  /** Postgres URL; without it the job keeps its records in an in-memory PGlite (lost at job end). */
  databaseUrl?: string;
  roomName: string;
  /** Session id from the dispatch metadata, when the token server dispatched the agent. */
  sessionId?: string;
  /** Rows kept in memory while the database is unreachable; newer ones spill to `spillDir`. */
  bufferRows?: number;
  /**
   * Parent of the session's spill directory (`<spillDir>/<sessionId>`): writes past the buffer, and those
   * still waiting at the end of the session. Without it, rows past the buffer are dropped (and counted).
   */
  spillDir?: string;
  /** Longest wait at close for waiting writes before they are left in the spill directory. */
  drainMs?: number;
  /** Postgres connect timeout (seconds) of the job's connection pool. */
  connectTimeoutSeconds?: number;
}

/** A recorder bound to one session, plus the id of that session. */
export type BoundRecorder = SessionRecorder & { sessionId: string };

/**
 * Opens the database for one job and resolves the interview session it records: the id from the
 * dispatch metadata, else the session of the room, else a new session row for a room the token
 * server did not create (its invites are random, unusable hashes).
 *
 * Every write of the session then goes through one {@link WriteBuffer}: nothing here waits for the
 * database or throws into the session. While the database is unreachable, writes wait in order (in
 * memory, then in spill files) and are written when it is back; a write the database refuses is
 * logged and given up.
 */
export async function openRecorder(opts: RecorderOptions): Promise<BoundRecorder> {
  const log = logger('recorder');
  if (!opts.databaseUrl) {
    log.warn('DATABASE_URL is not set: this job records into an in-memory database that ends with the job');
  }
  const opened = await openDatabase({
    url: opts.databaseUrl,
    connectTimeoutSeconds: opts.connectTimeoutSeconds,
  });
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
  const writes = new WriteBuffer(opened.db, {
    ...(opts.bufferRows !== undefined ? { maxRows: opts.bufferRows } : {}),
    // an in-memory database outlives nothing: its writes are not kept on disk
    ...(opts.spillDir && opts.databaseUrl ? { spillDir: join(opts.spillDir, session.id) } : {}),
    log,
  });
  const sessionId = session.id;

  return {
    sessionId,
    database: opened.db,
    writes,
    presence: async (e) => {
      if (e.joined)
        writes.enqueue({
          op: 'recordJoin',
          join: { sessionId, identity: e.identity, role: e.role, name: e.name, at: e.at.getTime() },
        });
      else writes.enqueue({ op: 'recordLeave', sessionId, identity: e.identity, at: e.at.getTime() });
    },
    signals: async (batch) => {
      if (batch.length > 0) writes.enqueue({ op: 'insertSignals', signals: batch });
    },
    insertTranscriptSegment: async (segment) => {
      writes.enqueue({ op: 'insertTranscriptSegment', segment });
      return true;
    },
    hintFeedback: async (hintId, useful, at) => {
      writes.enqueue({ op: 'recordHintFeedback', feedback: { sessionId, hintId, useful, at: at.getTime() } });
      return true;
    },
    settings: async () => {
      try {
        return (await store.getSession(sessionId))?.settings ?? session.settings;
      } catch (err) {
        log.error({ err }, 'could not read the session settings; using those read at start');
        return session.settings;
      }
    },
    close: async () => {
      const left = await writes.close(opts.drainMs);
      if (left > 0) log.error({ rows: left }, 'session closed with writes still waiting for the database');
      await opened.close().catch((err: unknown) => log.warn({ err }, 'could not close the database'));
    },
  };
}
