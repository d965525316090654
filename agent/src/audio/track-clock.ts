/** Options of {@link TrackClock}. */
export interface TrackClockOptions {
  /**
   * How fast the estimate may rise, in parts per million of audio time: the largest drift between
   * the track's sample clock and the wall clock that is followed (and the rate at which a lasting
   * read delay or lost audio is absorbed).
   */
  driftPpm: number;
  /** The origin is settled once it has not fallen by more than `settleToleranceMs` for this long (wall ms). */
  settleMs: number;
  settleToleranceMs: number;
  /** Settled anyway this long (wall ms) after the first reading, even if reads are still catching up. */
  maxSettleMs: number;
}

export const defaultTrackClockOptions: TrackClockOptions = {
  driftPpm: 200,
  settleMs: 250,
  settleToleranceMs: 5,
  maxSettleMs: 2000,
};

/**
 * The wall-clock time of audio time 0 of a track (its origin: wall = origin + audio ms), estimated
 * from when each chunk was read.
 *
 * A chunk whose audio ends at audio time `m` cannot be read before the wall time `start + m`: it is
 * read that late plus whatever delayed it (network, jitter buffer, the SFU client's queue, a busy
 * event loop), never earlier. So every `receivedAt − m` is an upper bound of the true start, and
 * their minimum is the tightest one: it falls as late-read chunks catch up and stops falling at the
 * true start (plus the smallest delivery delay) as soon as a chunk is read while the reader was
 * waiting for it. A first read that came late (the process busy when the track started, chunks
 * queued) therefore shifts the origin only until the backlog is read.
 *
 * Over a long track the sample clock and the wall clock may drift apart, and audio may be lost.
 * When audio time runs ahead of the wall clock the bounds fall and the minimum follows at once.
 * When it runs behind (slower sample clock, lost chunks, a stepped wall clock) the bounds rise and a
 * plain minimum would stay at its old value, stamping ever later audio too early (50 ppm is 180 ms
 * after an hour). The estimate may therefore rise by at most `driftPpm` of the audio time between
 * readings: any chunk read promptly pins it again, so with a drift below `driftPpm` the error stays
 * within the delivery jitter instead of growing with the length of the track. The price is that a
 * read delay lasting with no prompt read at all is absorbed at that rate (100 ms after 500 s at
 * 200 ppm), which a reader that keeps up with real time never shows.
 *
 * The origin is {@link settled} once it has stopped falling (by more than `settleToleranceMs`) for
 * `settleMs` of wall time, or `maxSettleMs` after the first reading: a reader that was late catches
 * up in a burst of reads whose bounds fall by a chunk each, so a stable minimum means it keeps up.
 */
export class TrackClock {
  #o: TrackClockOptions;
  #origin = Number.NaN;
  #lastEndMs = 0;
  #firstAt = Number.NaN;
  #reference = Number.NaN;
  #stableSince = Number.NaN;
  #settled = false;

  constructor(opts: Partial<TrackClockOptions> = {}) {
    this.#o = { ...defaultTrackClockOptions, ...opts };
  }

  /** The current estimate (NaN before the first reading). */
  get origin(): number {
    return this.#origin;
  }

  /** Whether the estimate has stopped falling (see the class). Stays true once reached. */
  get settled(): boolean {
    return this.#settled;
  }

  /**
   * One reading: a chunk read at wall time `receivedAt` whose audio ends at `endMs` of audio time.
   * Returns the updated origin.
   */
  observe(receivedAt: number, endMs: number): number {
    const bound = receivedAt - endMs;
    if (Number.isNaN(this.#origin)) {
      this.#origin = bound;
      this.#firstAt = receivedAt;
      this.#reference = bound;
      this.#stableSince = receivedAt;
    } else {
      const allowed = this.#origin + (Math.max(0, endMs - this.#lastEndMs) * this.#o.driftPpm) / 1e6;
      this.#origin = Math.min(allowed, bound);
    }
    this.#lastEndMs = Math.max(this.#lastEndMs, endMs);
    if (!this.#settled) {
      if (this.#origin < this.#reference - this.#o.settleToleranceMs) {
        this.#reference = this.#origin;
        this.#stableSince = receivedAt;
      }
      this.#settled =
        receivedAt - this.#stableSince >= this.#o.settleMs ||
        receivedAt - this.#firstAt >= this.#o.maxSettleMs;
    }
    return this.#origin;
  }
}
