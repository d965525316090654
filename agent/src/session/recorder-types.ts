import type { Role, SignalMessage } from '@interview-helper/protocol';
import type { Database, TranscriptSegmentInput, WriteBuffer } from '@interview-helper/storage';

/** The session's ordered write path (see `WriteBuffer`): writes queued here never wait for the database. */
export type SessionWrites = Pick<WriteBuffer, 'enqueue' | 'status' | 'onChange' | 'drain'>;

/** Where a session keeps what it observes. Implementations must not throw for bad data. */
export interface SessionRecorder {
  presence(e: { identity: string; name: string; role: Role; joined: boolean; at: Date }): Promise<void>;
  signals(signals: SignalMessage[]): Promise<void>;
  hintFeedback(hintId: string, useful: boolean, at: Date): Promise<boolean>;
  /** Stores one transcript segment; false when it was not stored. */
  insertTranscriptSegment?(segment: TranscriptSegmentInput): Promise<boolean>;
  /** The session's settings as stored (e.g. `allowOptOut`); `{}` when unknown. */
  settings?(): Promise<Record<string, unknown>>;
  /**
   * The job's one database (Postgres, or the job's in-memory PGlite), for the session's other
   * records (hints, report). Extensions use it instead of opening their own.
   */
  database?: Database;
  /**
   * Where the session's other records (hints, consent, audit, conduct notes, plan coverage) are written
   * when they must not wait for the database: queued in order, retried while it is unreachable.
   */
  writes?: SessionWrites;
  close(): Promise<void>;
}
