import { InterviewStore } from '@interview-helper/storage';
import { getJobContext } from '@livekit/agents';
import { RoomEvent } from '@livekit/rtc-node';
import { logger } from '../log.js';
import { roleOf } from '../messaging/roles.js';
import type { SessionContext, SessionExtension } from '../session/extension.js';

/** What is logged of a failure: its code and own message, never its causes (a query and its parameters). */
function failure(err: unknown): { code?: string; error: string } {
  const code = (err as { code?: unknown }).code;
  return {
    ...(typeof code === 'string' && { code }),
    error: err instanceof Error ? err.message : String(err),
  };
}

/** Why the agent ended a session. */
export type EndReason = 'idle' | 'already-ended';

/** Options of {@link SessionLifecycle}. */
export interface SessionLifecycleOptions {
  /**
   * How long the room may stay without any candidate or interviewer before the session ends, in ms;
   * 0 never ends it that way.
   */
  idleEndMs: number;
  /**
   * Closes the LiveKit room: everyone is disconnected, the job then shuts down and the session's
   * extensions write the final report as they close.
   */
  closeRoom: (roomName: string) => Promise<void>;
}

/**
 * Ends an interview the people have abandoned: once nobody with an interview role has been in the room
 * for `idleEndMs`, marks the session ended in storage (its invites then get `session_ended`) and closes
 * the room. A job dispatched for a session that has already ended (someone rejoined with a token issued
 * before the end) closes the room at once.
 */
export class SessionLifecycle implements SessionExtension {
  readonly name = 'lifecycle';
  readonly #o: SessionLifecycleOptions;
  #ctx?: SessionContext;
  #store?: InterviewStore;
  #timer?: NodeJS.Timeout;
  #ending?: Promise<void>;
  #closed = false;
  #log = logger('lifecycle');

  constructor(options: SessionLifecycleOptions) {
    this.#o = options;
  }

  async start(ctx: SessionContext): Promise<void> {
    this.#ctx = ctx;
    const db = ctx.recorder.database;
    this.#store = db ? new InterviewStore(db) : undefined;
    const session = await this.#store?.getSession(ctx.sessionId).catch((err: unknown) => {
      this.#log.warn(
        { ...failure(err), sessionId: ctx.sessionId },
        'could not read the session; its end is not checked',
      );
      return undefined;
    });
    if (session?.endedAt) {
      void this.end('already-ended');
      return;
    }
    ctx.room.on(RoomEvent.ParticipantConnected, this.#check);
    ctx.room.on(RoomEvent.ParticipantDisconnected, this.#check);
    this.#check();
  }

  /** Whether the session is ending or has ended through this job. */
  get ended(): boolean {
    return this.#ending !== undefined;
  }

  /** Ends the session: stored as ended (unless it already was), then the room is closed. Idempotent. */
  end(reason: EndReason): Promise<void> {
    this.#ending ??= this.#end(reason);
    return this.#ending;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#ctx?.room.off(RoomEvent.ParticipantConnected, this.#check);
    this.#ctx?.room.off(RoomEvent.ParticipantDisconnected, this.#check);
  }

  #check = (): void => {
    const room = this.#ctx?.room;
    if (!room || this.#closed || this.ended || this.#o.idleEndMs <= 0) return;
    const people = [...room.remoteParticipants.values()].filter((p) => roleOf(p) !== undefined);
    if (people.length > 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer) return;
    this.#log.info({ sessionId: this.#ctx?.sessionId, idleEndMs: this.#o.idleEndMs }, 'room empty: waiting');
    this.#timer = setTimeout(() => void this.end('idle'), this.#o.idleEndMs);
    this.#timer.unref();
  };

  async #end(reason: EndReason): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx) return;
    clearTimeout(this.#timer);
    if (reason !== 'already-ended') {
      try {
        if (ctx.recorder.writes)
          ctx.recorder.writes.enqueue({ op: 'endSession', sessionId: ctx.sessionId, at: Date.now() });
        else await this.#store?.endSession(ctx.sessionId);
      } catch (err) {
        this.#log.error({ ...failure(err), sessionId: ctx.sessionId }, 'could not mark the session ended');
      }
    }
    this.#log.info({ sessionId: ctx.sessionId, reason }, 'session ended: closing the room');
    try {
      await this.#o.closeRoom(ctx.room.name ?? '');
    } catch (err) {
      this.#log.error({ ...failure(err), sessionId: ctx.sessionId }, 'could not close the room');
    }
  }
}

/**
 * Closes rooms with the running job's own LiveKit credentials (`JobContext.deleteRoom`). Call it while
 * the job's entry runs (where extensions are created).
 */
export function jobRoomCloser(): (roomName: string) => Promise<void> {
  const job = getJobContext(false);
  return async (roomName) => {
    if (!job) throw new Error('no job context: the room cannot be closed');
    await job.deleteRoom(roomName);
  };
}
