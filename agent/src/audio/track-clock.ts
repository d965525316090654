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
  /**
   * Lost audio: once settled, when every chunk read for this long (wall ms) came at least `lostMinMs` later than the
   * estimate says (and steadily so, see `lostSteadyMs`), the audio in between is taken as lost and the estimate moves up to the least of those bounds at
   * once, from the audio time where the late reads began ({@link TrackClock.wallAt}). 0 turns this off (lost audio
   * is then absorbed at `driftPpm` only).
   */
  lostConfirmMs: number;
  lostMinMs: number;
  /**
   * …and only when the late reads keep a steady lateness: the least lateness of the last `lostConfirmMs / 2` is within
   * this many ms of the least lateness of the half before (lost audio leaves every later read late by the same
   * amount; a backlog that is being read, or one that grows, changes it).
   */
  lostSteadyMs: number;
  /**
   * Reads late for this long (wall ms) without ever keeping a steady lateness are a delay, not lost audio: the
   * clock stops deciding (and starts again with the next late read).
   */
  lostMaxConfirmMs: number;
}

export const defaultTrackClockOptions: TrackClockOptions = {
  driftPpm: 200,
  settleMs: 250,
  settleToleranceMs: 5,
  maxSettleMs: 2000,
  lostConfirmMs: 2000,
  lostMinMs: 200,
  lostSteadyMs: 50,
  lostMaxConfirmMs: 4000,
};

/** Audio taken as lost: it was missing at audio time `atMs`, from wall time `from` to `to`. */
export interface AudioLoss {
  atMs: number;
  from: number;
  to: number;
}

/** A stretch of the track's audio, from `fromMs` of audio time to the next one's, with its origin. */
interface Stretch {
  fromMs: number;
  origin: number;
}

/** Reads kept of a run of late reads ({@link TrackClock}'s staircase; ~40 s of rising lateness in 10 ms chunks). */
const MAX_STAIRS = 4096;
/** A read of a run of late reads: where its chunk's audio ends, and its bound. */
interface Stair {
  endMs: number;
  bound: number;
}

/** A run of late reads ({@link TrackClock}). */
interface LateRun {
  fromMs: number;
  stairs: Stair[];
  droppedEndMs: number;
}

/** Stretches kept for {@link TrackClock.wallAt}; older ones merge into the first kept one. */
const MAX_STRETCHES = 256;

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
 * Audio can also be lost outright: a receiver process that was not scheduled for seconds (the host
 * overloaded) gets back only the audio its receive queues still hold. Every later bound is then
 * higher by what was lost, for good. A read delay ends (the backlog is read, and a prompt read pins
 * the estimate again); lost audio does not. Lost audio also leaves every later read late by the same
 * amount, while a backlog that is being read (or still grows) changes the lateness from read to read.
 * So once the origin has settled, reads that all come at least `lostMinMs` late for `lostConfirmMs`
 * of wall time, the least lateness of each half of that time within `lostSteadyMs` of the other, are
 * taken as lost audio: the estimate moves up to their least bound at once, and audio from where it went
 * missing has the new origin (where the late reads began, or after the last of them that came `lostMinMs` less late
 * than the lateness that held: the reads after a gap may take more than one window to hold steady). Late reads whose lateness is still changing after
 * `lostMaxConfirmMs` are a delay and decide nothing. {@link wallAt} dates audio by the origin of its
 * own stretch, so an event found late (voice activity running behind) about audio before the gap
 * keeps the old origin. A delay that keeps a steady lateness for longer than `lostConfirmMs` (a
 * backlog read exactly as fast as it grows) and then ends is taken as lost at first: the estimate
 * moves up and then back down; chunks in between are dated as late as they were read, never earlier
 * than their audio.
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
  /** Earlier stretches, oldest first; the current one is `#origin` from `#currentFromMs`. */
  #stretches: Stretch[] = [];
  #currentFromMs = 0;
  /**
   * The decision under way: reads all later than `lostMinMs` since `since` (wall ms), least bound `bound`; the least
   * bounds of the current half of `lostConfirmMs` (number `half` since `since`) and of the one before it.
   */
  #late?: {
    since: number;
    bound: number;
    half: number;
    halfMin: number;
    prevHalfMin: number;
  };
  /**
   * The reads of the current run of late reads (every read `lostMinMs` late or more, across the decisions it took),
   * as a staircase: each kept read's bound is below every later read's, so the last read less late than a given
   * amount is found without keeping them all. `fromMs`: the audio time where the run began; `droppedEndMs`: the
   * end of the last read the cap let go.
   */
  #run?: LateRun;
  #lostMs = 0;
  #losses: AudioLoss[] = [];
  /** How much of the last move up still stands, and the estimate it moved up to, less what was taken back. */
  #riseLeft = 0;
  #riseLevel = Number.NaN;

  constructor(opts: Partial<TrackClockOptions> = {}) {
    this.#o = { ...defaultTrackClockOptions, ...opts };
  }

  /** The current estimate (NaN before the first reading). */
  get origin(): number {
    return this.#origin;
  }

  /** Takes the losses found since the last call, in order. */
  takeLosses(): AudioLoss[] {
    return this.#losses.splice(0);
  }

  /** Audio taken as lost so far, ms (see the class). */
  get lostMs(): number {
    return this.#lostMs;
  }

  /**
   * Wall-clock ms of audio time `ms` by the origin of its stretch: the current origin for audio since the last
   * loss, the origin in force before it for earlier audio.
   */
  wallAt(ms: number): number {
    if (ms >= this.#currentFromMs) return this.#origin + ms;
    for (let i = this.#stretches.length - 1; i > 0; i--) {
      const s = this.#stretches[i] as Stretch;
      if (ms >= s.fromMs) return s.origin + ms;
    }
    return (this.#stretches[0]?.origin ?? this.#origin) + ms;
  }

  /**
   * Audio time of wall-clock ms `wall`: the inverse of {@link wallAt}. A wall time inside lost audio maps to
   * where the audio after the gap begins.
   */
  audioAt(wall: number): number {
    if (wall - this.#origin >= this.#currentFromMs) return wall - this.#origin;
    let next = this.#currentFromMs;
    for (let i = this.#stretches.length - 1; i >= 0; i--) {
      const s = this.#stretches[i] as Stretch;
      if (wall - s.origin >= s.fromMs || i === 0) return Math.min(wall - s.origin, next);
      next = s.fromMs;
    }
    return Math.min(wall - this.#origin, next);
  }

  /**
   * Whether every read since a moment less than `lostMaxConfirmMs` ago came `lostMinMs` late or more and nothing
   * was decided yet: audio may have been lost, and the estimate moves up if the lateness holds steady (see the
   * class).
   */
  get confirming(): boolean {
    return this.#late !== undefined;
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
      if (this.#riseLeft > 0 && this.#origin < this.#riseLevel) {
        // The last move up was (partly) a delay that has now ended: that much was not lost after all. (A fall back
        // from the drift allowance above the level it moved up to is not.)
        const back = Math.min(this.#riseLevel - this.#origin, this.#riseLeft);
        this.#riseLeft -= back;
        this.#riseLevel -= back;
        this.#lostMs -= back;
      }
      this.#watchForLoss(receivedAt, endMs, bound);
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

  /** Moves the estimate up when reads have all been late for `lostConfirmMs` (see the class). */
  #watchForLoss(receivedAt: number, endMs: number, bound: number): void {
    const { lostConfirmMs, lostMinMs } = this.#o;
    if (!this.#settled || lostConfirmMs <= 0 || bound < this.#origin + lostMinMs) {
      this.#late = undefined;
      this.#run = undefined;
      return;
    }
    this.#run ??= { fromMs: this.#lastEndMs, stairs: [], droppedEndMs: Number.NaN };
    const run = this.#run;
    while ((run.stairs.at(-1)?.bound ?? Number.NEGATIVE_INFINITY) >= bound) run.stairs.pop();
    run.stairs.push({ endMs, bound });
    if (run.stairs.length > MAX_STAIRS) run.droppedEndMs = (run.stairs.shift() as Stair).endMs;
    if (!this.#late) {
      this.#late = {
        since: receivedAt,
        bound,
        half: 0,
        halfMin: bound,
        prevHalfMin: Number.POSITIVE_INFINITY,
      };
      return;
    }
    const late = this.#late;
    late.bound = Math.min(late.bound, bound);
    const elapsed = receivedAt - late.since;
    const half = Math.floor(elapsed / (lostConfirmMs / 2));
    let steady = false;
    if (half > late.half) {
      // two whole halves just ended: compare them (a half without any read, the reader stalled, compares with none)
      const contiguous = half === late.half + 1;
      steady = contiguous && half >= 2 && Math.abs(late.halfMin - late.prevHalfMin) <= this.#o.lostSteadyMs;
      late.prevHalfMin = contiguous ? late.halfMin : Number.POSITIVE_INFINITY;
      late.halfMin = Number.POSITIVE_INFINITY;
      late.half = half;
    }
    late.halfMin = Math.min(late.halfMin, bound);
    if (!steady) {
      // too soon, or the lateness still changes (a backlog being read, or growing); a delay after lostMaxConfirmMs
      if (elapsed >= this.#o.lostMaxConfirmMs) this.#late = undefined;
      return;
    }
    const { fromMs, least } = this.#lostFrom(run, late.bound);
    this.#late = undefined;
    this.#run = undefined;
    this.#riseLeft = least - this.#origin;
    this.#riseLevel = least;
    this.#lostMs += this.#riseLeft;
    this.#stretches.push({ fromMs: this.#currentFromMs, origin: this.#origin });
    if (this.#stretches.length > MAX_STRETCHES) this.#stretches.shift();
    this.#currentFromMs = fromMs;
    this.#losses.push({ atMs: fromMs, from: this.#origin + fromMs, to: least + fromMs });
    this.#origin = least;
  }

  /**
   * Where audio went missing that leaves reads about `least` late (the least bound of the decision that held steady),
   * and the least bound since then: after the last read of the run that came `lostMinMs` or more less late than that
   * (its chunk could not have been read so soon had the audio before it been lost), else where the run began. A run
   * whose lateness took more than one decision to hold steady (a backlog read after the gap, jitter) thus dates the
   * loss at the gap, not where the last decision began.
   */
  #lostFrom(run: LateRun, least: number): { fromMs: number; least: number } {
    const { stairs } = run;
    let i = stairs.length - 1;
    while (i >= 0 && (stairs[i] as Stair).bound >= least - this.#o.lostMinMs) i--;
    const before = stairs[i];
    const fallback = Number.isNaN(run.droppedEndMs) ? run.fromMs : run.droppedEndMs;
    return { fromMs: before?.endMs ?? fallback, least: Math.min(least, stairs[i + 1]?.bound ?? least) };
  }
}
