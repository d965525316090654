/**
 * The lanes of the inference service's queue, most urgent first: `face` (a whole face frame, `POST /face`: the
 * look-away, no-face and second-person episodes an interviewer is told about within seconds) before `run` (one
 * model run, `POST /run/<model>`: the pose analyser's, whose signals feed charts and the report; no hint waits
 * for them).
 */
export const LANES = ['face', 'run'] as const;
export type Lane = (typeof LANES)[number];

/** Time spent waiting for a turn, per lane, since the queue was made. */
export interface LaneWaits {
  /** Turns taken (run, or given up as expired or abandoned). */
  turns: number;
  meanMs: number;
  maxMs: number;
}

/** A request waiting for its turn. */
export interface Turn {
  lane: Lane;
  /** Runs the request, or gives it up (its deadline passed, its client left). */
  take: () => Promise<void>;
}

/**
 * A bounded queue of turns, taken one at a time: always the oldest of the most urgent lane that has one (see
 * {@link LANES}), so a face frame waits behind at most the turn in progress and older face frames, never behind
 * the pose runs of every other room. Under more work than the service can do, the `run` lane waits longest and
 * its requests reach their deadline first. After each turn the next starts after pending I/O (`setImmediate`),
 * so requests that arrived meanwhile are queued (and ranked) first.
 */
export class TurnQueue {
  readonly maxQueue: number;
  #lanes = new Map<Lane, { turn: Turn; queuedAt: number }[]>(LANES.map((l) => [l, []]));
  #waits = new Map<Lane, { turns: number; totalMs: number; maxMs: number }>(
    LANES.map((l) => [l, { turns: 0, totalMs: 0, maxMs: 0 }]),
  );
  #busy = false;
  #maxSeen = 0;

  constructor(maxQueue: number) {
    this.maxQueue = maxQueue;
  }

  /** Turns waiting (not counting the one in progress). */
  get depth(): number {
    let n = 0;
    for (const q of this.#lanes.values()) n += q.length;
    return n;
  }

  /** The largest {@link depth} seen. */
  get maxDepthSeen(): number {
    return this.#maxSeen;
  }

  /** Queues `turn`; false (nothing queued) when {@link maxQueue} turns already wait. */
  push(turn: Turn): boolean {
    if (this.depth >= this.maxQueue) return false;
    this.#lanes.get(turn.lane)?.push({ turn, queuedAt: performance.now() });
    this.#maxSeen = Math.max(this.#maxSeen, this.depth);
    this.#next();
    return true;
  }

  /** Per lane: turns taken and how long they waited. */
  waits(): Record<Lane, LaneWaits> {
    const out = {} as Record<Lane, LaneWaits>;
    for (const [lane, w] of this.#waits)
      out[lane] = {
        turns: w.turns,
        meanMs: Number((w.totalMs / Math.max(1, w.turns)).toFixed(1)),
        maxMs: Number(w.maxMs.toFixed(1)),
      };
    return out;
  }

  #shift(): { turn: Turn; queuedAt: number } | undefined {
    for (const lane of LANES) {
      const next = this.#lanes.get(lane)?.shift();
      if (next) return next;
    }
    return undefined;
  }

  #next(): void {
    if (this.#busy) return;
    const next = this.#shift();
    if (!next) return;
    const waited = performance.now() - next.queuedAt;
    const w = this.#waits.get(next.turn.lane);
    if (w) {
      w.turns++;
      w.totalMs += waited;
      w.maxMs = Math.max(w.maxMs, waited);
    }
    this.#busy = true;
    next.turn
      .take()
      .catch(() => {}) // the turn answers its own request; a throw must not stop the queue
      .finally(() => {
        this.#busy = false;
        setImmediate(() => this.#next());
      });
  }
}
