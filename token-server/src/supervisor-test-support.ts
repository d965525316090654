import { type AnalysisStatusMessage, analysisStatusMessageSchema } from '@interview-helper/protocol';
import type { AgentRoomApi, RoomMember } from './supervisor-api.js';
import type { SupervisorTimers } from './supervisor-options.js';

/** A manual clock: timers fire only when the test advances time. */
export class FakeClock implements SupervisorTimers {
  #now = 1_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now = () => this.#now;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  };
  clearTimeout = (handle: unknown) => void this.#timers.delete(handle as number);
  get pending(): number {
    return this.#timers.size;
  }
  /** Advances time by `ms`, firing due timers in order and letting their promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

export const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A LiveKit stand-in: a participant list the test edits, and every call recorded. */
export class FakeLivekit implements AgentRoomApi {
  members = new Map<string, RoomMember[]>();
  dispatches: { room: string; metadata: Record<string, unknown>; id: string }[] = [];
  announced: { room: string; status: AnalysisStatusMessage; to: string[] }[] = [];
  failDispatch = false;
  /** Whether workers take dispatches (livekit-server lists a job under them). */
  workersTake = true;
  /** Every taken-check: the room and the dispatch it asked about. */
  takenChecks: { room: string; dispatchId?: string }[] = [];
  /** When the room's own dispatch (from the token) was made, by `now`; undefined: none. */
  roomDispatchAt: number | undefined;
  /** When each of the supervisor's dispatches was made. */
  readonly #made = new Map<string, number>();
  readonly #now: () => number;

  /** `now`: the clock dispatches are stamped with (a {@link FakeClock}'s). */
  constructor(now: () => number = () => 0) {
    this.#now = now;
    this.roomDispatchAt = now();
  }
  async dispatchState(room: string, dispatchId?: string) {
    this.takenChecks.push({ room, ...(dispatchId ? { dispatchId } : {}) });
    const made = dispatchId
      ? this.#made.get(dispatchId)
      : Math.max(this.roomDispatchAt ?? Number.NEGATIVE_INFINITY, ...this.#made.values());
    return {
      taken: this.workersTake,
      ...(made !== undefined && Number.isFinite(made) ? { createdAt: made } : {}),
    };
  }
  async listParticipants(room: string) {
    return [...(this.members.get(room) ?? [])];
  }
  async createDispatch(room: string, metadata: string) {
    if (this.failDispatch) throw new Error('no worker available');
    const id = `AD_${this.dispatches.length + 1}`;
    this.dispatches.push({ room, metadata: JSON.parse(metadata), id });
    this.#made.set(id, this.#now());
    return id;
  }
  removed: string[] = [];
  async removeParticipant(room: string, identity: string) {
    this.removed.push(`${room}/${identity}`);
  }
  async announce(room: string, status: AnalysisStatusMessage, to: string[]) {
    this.announced.push({ room, status: analysisStatusMessageSchema.parse(status), to });
  }
}
