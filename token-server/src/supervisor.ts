import {
  type AnalysisLossReason,
  type AnalysisStatusMessage,
  type DispatchMetadata,
  PROTOCOL_VERSION,
} from '@interview-helper/protocol';
import type { AgentRoomApi, DispatchState, RoomMember, SessionEnded } from './supervisor-api.js';
import { type AgentSupervisorOptions, defaultAgentSupervisorOptions } from './supervisor-options.js';

/** What the supervisor knows of one room (read-only view). */
export interface SupervisedRoom {
  roomName: string;
  sessionId: string;
  /** `waiting`: no agent yet, waiting for one; `present`; `unavailable`: gave up until an agent appears. */
  phase: 'waiting' | 'present' | 'unavailable';
  agents: string[];
  /** Dispatches made by the supervisor since the room last had an agent. */
  attempts: number;
  /** Re-dispatches made for this room in all. */
  redispatches: number;
}

interface RoomState {
  roomName: string;
  sessionId: string;
  phase: SupervisedRoom['phase'];
  agents: Set<string>;
  attempts: number;
  redispatches: number;
  reason: AnalysisLossReason;
  /** Since when the room has had no agent. */
  since: number;
  timer?: unknown;
  /** The first wait was extended to the room's own dispatch (made when the room started). */
  extended?: boolean;
  /** The latest dispatch of ours (logged; the one the taken-check looks at). */
  dispatchId?: string;
  /** End of the current wait for an agent (a check before it is the taken-check); unset when not waiting. */
  waitEnd?: number;
  /** When the taken-check of the current wait is due; unset once it was made. */
  takenCheckAt?: number;
  /** An `unavailable` status was announced (an agent arriving then announces `available`). */
  announced: boolean;
  /** A decision is running (list, dispatch); events meanwhile only update the sets. */
  busy: boolean;
}

/**
 * Makes sure every interview session in progress has an agent in its room. It learns of joins and leaves from
 * LiveKit's webhooks (`supervisor-routes.ts`) and of rooms from the tokens it issues; when no agent arrives
 * within `arrivalTimeoutMs`, or the agent leaves while the session has not ended and someone is still in the
 * room, it dispatches the agent again (`resume: true`, the same session id) with a doubling pause, at most
 * `maxAttempts` times; then it tells the interviewers "analysis unavailable" (and "available" should an agent
 * come later). Decisions are made on LiveKit's participant list, so a missed webhook costs time, not a room.
 */
export class AgentSupervisor {
  readonly #api: AgentRoomApi;
  readonly #ended: SessionEnded;
  readonly #o: AgentSupervisorOptions;
  readonly #rooms = new Map<string, RoomState>();

  constructor(api: AgentRoomApi, ended: SessionEnded, options: Partial<AgentSupervisorOptions> = {}) {
    this.#api = api;
    this.#ended = ended;
    this.#o = { ...defaultAgentSupervisorOptions, ...options };
  }

  /** The rooms supervised now. */
  rooms(): SupervisedRoom[] {
    return [...this.#rooms.values()].map((r) => ({
      roomName: r.roomName,
      sessionId: r.sessionId,
      phase: r.phase,
      agents: [...r.agents],
      attempts: r.attempts,
      redispatches: r.redispatches,
    }));
  }

  /**
   * Starts supervising a session's room (a token was issued for it); the agent gets `arrivalTimeoutMs`. A room
   * that had given up ("analysis unavailable") is tried again at once.
   */
  watch(roomName: string, sessionId: string): void {
    const known = this.#rooms.get(roomName);
    if (known?.phase === 'unavailable') {
      // someone joins a room that had given up: try again (a worker may have come back)
      known.attempts = 0;
      known.phase = 'waiting';
      known.waitEnd = undefined;
      known.takenCheckAt = undefined;
      this.#arm(known, 0);
    }
    if (known) return;
    const now = this.#o.timers.now();
    const room: RoomState = {
      roomName,
      sessionId,
      phase: 'waiting',
      agents: new Set(),
      attempts: 0,
      redispatches: 0,
      reason: 'no-agent',
      since: now,
      announced: false,
      busy: false,
    };
    this.#rooms.set(roomName, room);
    this.#wait(room, this.#o.arrivalTimeoutMs);
  }

  /** A participant joined `roomName` (webhook `participant_joined`). */
  joined(roomName: string, member: RoomMember): void {
    const room = this.#rooms.get(roomName);
    if (!room || !member.agent) return;
    this.#agentArrived(room, member.identity);
  }

  /** A participant left `roomName` (webhook `participant_left`). */
  left(roomName: string, member: RoomMember): void {
    const room = this.#rooms.get(roomName);
    if (!room || !member.agent) return;
    room.agents.delete(member.identity);
    if (room.agents.size > 0 || room.phase !== 'present') return;
    this.#o.log('warn', `agent ${member.identity} left room ${roomName} (session ${room.sessionId})`);
    room.phase = 'waiting';
    room.reason = 'agent-lost';
    room.since = this.#o.timers.now();
    room.attempts = 0;
    room.waitEnd = undefined;
    room.takenCheckAt = undefined;
    this.#arm(room, 0);
  }

  /** The room closed (webhook `room_finished`): nothing more to supervise. */
  finished(roomName: string): void {
    const room = this.#rooms.get(roomName);
    if (room) this.#forget(room);
  }

  /** The session ended (`POST /api/sessions/:id/end`): its room is no longer supervised. */
  sessionEnded(sessionId: string): void {
    for (const room of this.#rooms.values()) if (room.sessionId === sessionId) this.#forget(room);
  }

  /** Stops every timer. */
  close(): void {
    for (const room of [...this.#rooms.values()]) this.#forget(room);
  }

  #forget(room: RoomState): void {
    this.#o.timers.clearTimeout(room.timer);
    room.timer = undefined;
    this.#rooms.delete(room.roomName);
  }

  #arm(room: RoomState, ms: number): void {
    this.#o.timers.clearTimeout(room.timer);
    room.timer = this.#o.timers.setTimeout(() => {
      room.timer = undefined;
      void this.#check(room);
    }, ms);
  }

  /** Waits `ms` for an agent, looking after `takenCheckMs` whether a worker took the dispatch. */
  #wait(room: RoomState, ms: number): void {
    const now = this.#o.timers.now();
    room.waitEnd = now + ms;
    const early = this.#o.takenCheckMs;
    room.takenCheckAt = early > 0 && early < ms ? now + early : undefined;
    this.#armNext(room);
  }

  /** Arms the next look of the current wait: its taken-check while one is due, else the wait's end. */
  #armNext(room: RoomState): void {
    const at = room.takenCheckAt ?? room.waitEnd;
    if (at !== undefined) this.#arm(room, Math.max(0, at - this.#o.timers.now()));
  }

  #agentArrived(room: RoomState, identity: string): void {
    if (room.phase === 'present' && !room.agents.has(identity) && room.agents.size > 0) {
      // a slow job of an earlier dispatch arrived after its replacement: one agent per room, the first stays
      this.#o.log('warn', `second agent ${identity} in room ${room.roomName}: removed`);
      void this.#api
        .removeParticipant(room.roomName, identity)
        .catch((err: Error) => this.#o.log('warn', `could not remove ${identity}: ${err.message}`));
      return;
    }
    room.agents.add(identity);
    if (room.phase === 'present') return;
    this.#o.timers.clearTimeout(room.timer);
    room.timer = undefined;
    const wasAnnounced = room.announced;
    if (room.attempts > 0 || room.reason === 'agent-lost') {
      this.#o.log(
        'info',
        `agent ${identity} joined room ${room.roomName} after ${room.attempts} dispatch(es), ` +
          `${this.#o.timers.now() - room.since} ms without an agent`,
      );
    }
    room.phase = 'present';
    room.attempts = 0;
    room.dispatchId = undefined;
    room.waitEnd = undefined;
    room.takenCheckAt = undefined;
    room.announced = false;
    if (wasAnnounced) void this.#announce(room, 'available');
  }

  /** The timer fired: look at the room and dispatch, give up, or stop supervising. */
  async #check(room: RoomState): Promise<void> {
    if (room.busy || this.#rooms.get(room.roomName) !== room) return;
    room.busy = true;
    const attemptsBefore = room.attempts;
    try {
      if (await this.#ended(room.sessionId).catch(() => false)) {
        this.#forget(room);
        return;
      }
      const members = await this.#api.listParticipants(room.roomName);
      const agent = members.find((m) => m.agent);
      if (agent) {
        this.#agentArrived(room, agent.identity);
        return;
      }
      if (!members.some((m) => !m.agent)) {
        // Nobody is in the room (or it is gone): LiveKit closes it; a new token starts supervising again.
        this.#forget(room);
        return;
      }
      const now = this.#o.timers.now();
      if (room.waitEnd !== undefined && now < room.waitEnd) {
        if (room.takenCheckAt !== undefined && now >= room.takenCheckAt) await this.#takenCheck(room);
        if (this.#rooms.get(room.roomName) === room && room.phase === 'waiting') this.#armNext(room);
        return;
      }
      if (await this.#roomDispatchYoung(room)) return;
      if (room.attempts >= this.#o.maxAttempts) {
        room.phase = 'unavailable';
        this.#o.log(
          'warn',
          `no agent for room ${room.roomName} (session ${room.sessionId}) after ${room.attempts} dispatch(es): analysis unavailable`,
        );
        await this.#announce(room, 'unavailable', members);
        return;
      }
      await this.#dispatch(room);
    } catch (err) {
      this.#o.log('warn', `supervising room ${room.roomName} failed: ${(err as Error).message}`);
      if (this.#rooms.get(room.roomName) === room && room.phase === 'waiting') {
        const left = (room.waitEnd ?? 0) - this.#o.timers.now();
        if (left > 0) {
          // an early look failed: the wait goes on
          this.#arm(room, left);
        } else {
          // a refused dispatch or an unreachable LiveKit counts as an attempt: the retries stay bounded
          if (room.attempts === attemptsBefore) room.attempts++;
          this.#arm(room, this.#backoff(room.attempts));
        }
      }
    } finally {
      room.busy = false;
    }
  }

  /**
   * Early in a wait: when no worker took the dispatch (livekit-server found none available, or all declined),
   * dispatches again now, in the same attempt, rather than at the end of the wait. A dispatch younger than
   * `takenCheckMs` is looked at again when it is that old (still within the wait). A failure here only logs.
   */
  async #takenCheck(room: RoomState): Promise<void> {
    room.takenCheckAt = undefined;
    try {
      const state = await this.#api.dispatchState(room.roomName, room.dispatchId);
      if (state.taken) return;
      const age = this.#ageOf(state);
      if (age < this.#o.takenCheckMs) {
        this.#takenCheckWhenOld(room, age);
        return;
      }
      await this.#createDispatch(
        room,
        `no worker took the dispatch for room ${room.roomName}: dispatched again`,
      );
    } catch (err) {
      this.#o.log('warn', `checking the dispatch of room ${room.roomName} failed: ${(err as Error).message}`);
    }
  }

  /**
   * At the end of a room's first wait (counted from its token): when the room's own dispatch was made less than
   * `arrivalTimeoutMs` ago (the room started late), the wait is extended to that time and true is returned.
   */
  async #roomDispatchYoung(room: RoomState): Promise<boolean> {
    // once: the extended wait ends with a dispatch of ours (then `dispatchId` is set)
    if (room.extended || room.dispatchId !== undefined || room.attempts > 0 || room.reason !== 'no-agent')
      return false;
    const state = await this.#api.dispatchState(room.roomName).catch(() => undefined);
    const age = state ? this.#ageOf(state) : Number.POSITIVE_INFINITY;
    const left = this.#o.arrivalTimeoutMs - age;
    if (left <= 0) return false;
    room.extended = true;
    this.#o.log('info', `room ${room.roomName} started late: its agent gets ${Math.round(left)} ms more`);
    room.waitEnd = this.#o.timers.now() + left;
    // its taken-check when it is old enough (again, if it was: a worker may have declined it meanwhile)
    this.#takenCheckWhenOld(room, age);
    this.#armNext(room);
    return true;
  }

  /**
   * Sets the current wait's taken-check for when a dispatch now `age` ms old is `takenCheckMs` old (at once if it
   * is), or none when that falls after the wait's end.
   */
  #takenCheckWhenOld(room: RoomState, age: number): void {
    const at = this.#o.timers.now() + Math.max(0, this.#o.takenCheckMs - age);
    const within = this.#o.takenCheckMs > 0 && room.waitEnd !== undefined && at < room.waitEnd;
    room.takenCheckAt = within ? at : undefined;
  }

  /** How long ago a dispatch was made (0 when LiveKit's clock is ahead; infinite when there is none). */
  #ageOf(state: DispatchState): number {
    if (state.createdAt === undefined) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.#o.timers.now() - state.createdAt);
  }

  async #dispatch(room: RoomState): Promise<void> {
    // An unanswered dispatch is not withdrawn: on a loaded machine its job may still be starting, and
    // withdrawing it would end that job (a second agent is the smaller harm).
    room.attempts++;
    await this.#createDispatch(room, `dispatched the agent to room ${room.roomName} again`);
    this.#wait(room, this.#o.arrivalTimeoutMs + this.#backoff(room.attempts));
  }

  /** Dispatches the agent to the room in its current attempt (`resume`, the same session id) and logs `what`. */
  async #createDispatch(room: RoomState, what: string): Promise<void> {
    room.redispatches++;
    const metadata: DispatchMetadata = { sessionId: room.sessionId, resume: true, attempt: room.attempts };
    room.dispatchId = await this.#api.createDispatch(room.roomName, JSON.stringify(metadata));
    this.#o.log(
      'info',
      `${what} (${room.dispatchId}, attempt ${room.attempts}/${this.#o.maxAttempts}, ${room.reason})`,
    );
  }

  #backoff(attempt: number): number {
    return Math.min(this.#o.backoffMs * 2 ** Math.max(0, attempt - 1), this.#o.maxBackoffMs);
  }

  async #announce(room: RoomState, status: AnalysisStatusMessage['status'], members?: RoomMember[]) {
    try {
      const present = members ?? (await this.#api.listParticipants(room.roomName));
      const interviewers = present.filter((m) => m.role === 'interviewer').map((m) => m.identity);
      const text =
        status === 'unavailable'
          ? room.reason === 'agent-lost'
            ? 'Analysis unavailable: the analysis stopped and could not be restarted. The interview can go on; no further signals or hints will arrive.'
            : 'Analysis unavailable: no analysis agent could join this interview. The interview can go on; no signals or hints will arrive.'
          : 'Analysis available again.';
      await this.#api.announce(
        room.roomName,
        {
          v: PROTOCOL_VERSION,
          type: 'analysis-status',
          sessionId: room.sessionId,
          status,
          reason: room.reason,
          attempts: room.redispatches,
          since: room.since,
          at: this.#o.timers.now(),
          text,
        },
        interviewers,
      );
      if (status === 'unavailable') room.announced = true;
    } catch (err) {
      this.#o.log(
        'warn',
        `could not tell room ${room.roomName} its analysis status: ${(err as Error).message}`,
      );
    }
  }
}
