import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Analyser, AnalyserFactory, MediaKind, MediaSample } from '../analysers/analyser.js';

/** Options of an {@link AnalysisLag}. */
export interface AnalysisLagOptions {
  /** Window over which sample ages are kept, ms. */
  windowMs: number;
  /** Quantile of the window's ages reported (0.9: one slow sample in ten is not yet lag). */
  quantile: number;
  /** Measure the process's event-loop delay too (off in unit tests). */
  eventLoop: boolean;
  /** How often the lag is read into {@link AnalysisLag.sustainedMs}, ms (0: only by {@link AnalysisLag.read}). */
  readingMs: number;
  /**
   * Readings that must all show a lag for it to count: the least of the last `sustained` readings is the sustained
   * lag, so one slow second (a GC pause, a burst of work) does not turn rooms away.
   */
  sustained: number;
  now: () => number;
}

export const defaultAnalysisLagOptions: AnalysisLagOptions = {
  windowMs: 5000,
  quantile: 0.9,
  eventLoop: true,
  readingMs: 1000,
  sustained: 3,
  now: Date.now,
};

/**
 * How far behind real time a job's analysis is: the age of each media sample (decoded audio chunk or video
 * frame, stamped when the media front end received it) when an analyser takes it off its queue, as a quantile
 * over the last few seconds, or the process's event-loop delay when that is larger (a saturated process stamps
 * samples late, so their age alone would hide it) while samples flow. A room on time shows a few ms; a process
 * that cannot keep up shows its queues filling, in seconds. It is read once a second; {@link sustainedMs} is what
 * the job pushes to its worker with its metrics, for the worker's admission.
 */
export class AnalysisLag {
  #o: AnalysisLagOptions;
  #ages: { at: number; ageMs: number }[] = [];
  #loop?: IntervalHistogram;
  #readings: number[] = [];
  #timer?: NodeJS.Timeout;

  constructor(opts: Partial<AnalysisLagOptions> = {}) {
    this.#o = { ...defaultAnalysisLagOptions, ...opts };
    if (this.#o.eventLoop) {
      this.#loop = monitorEventLoopDelay({ resolution: 20 });
      this.#loop.enable();
    }
    if (this.#o.readingMs > 0) {
      this.#timer = setInterval(() => this.read(), this.#o.readingMs);
      this.#timer.unref();
    }
  }

  /** Records a sample taken by an analyser. */
  record(receivedAt: number): void {
    const at = this.#o.now();
    this.#ages.push({ at, ageMs: Math.max(0, at - receivedAt) });
    // bounded: drop what left the window (at most a few thousand 10 ms chunks per window), a second's worth at a
    // time rather than one entry per sample (each prune shifts the whole array); lagMs() prunes exactly
    if (this.#ages.length > 4096 || (this.#ages[0]?.at ?? at) < at - this.#o.windowMs - 1000) this.#prune(at);
  }

  #prune(at: number): void {
    const from = at - this.#o.windowMs;
    let i = 0;
    while (i < this.#ages.length && (this.#ages[i] as { at: number }).at < from) i++;
    this.#ages.splice(0, Math.max(i, this.#ages.length - 4096));
  }

  /**
   * The lag now, ms; resets the event-loop measurement. 0 while no analyser took a sample within the window: a job
   * without the candidate's media has no analysis to fall behind (its event loop alone says nothing about that).
   */
  lagMs(): number {
    const now = this.#o.now();
    this.#prune(now);
    const ages = this.#ages.map((a) => a.ageMs).sort((a, b) => a - b);
    let loop = 0;
    if (this.#loop && this.#loop.count > 0) {
      // delay beyond the monitor's own 20 ms resolution
      loop = Math.max(0, this.#loop.percentile(99) / 1e6 - 20);
      this.#loop.reset();
    }
    if (ages.length === 0) return 0;
    const q = ages[Math.min(ages.length - 1, Math.floor(this.#o.quantile * ages.length))] ?? 0;
    return Math.max(q, loop);
  }

  /** Reads the lag now ({@link lagMs}) into the last readings; returns it. */
  read(): number {
    const lag = this.lagMs();
    this.#readings = [...this.#readings, lag].slice(-this.#o.sustained);
    return lag;
  }

  /** The lag that lasted: the least of the last `sustained` readings, ms (0 before the first one). */
  sustainedMs(): number {
    return this.#readings.length === 0 ? 0 : Math.min(...this.#readings);
  }

  /** `factory` with every sample its analysers take recorded here. */
  wrap(factory: AnalyserFactory): AnalyserFactory {
    return () => measured(factory(), this);
  }

  /** {@link wrap} for each factory. */
  wrapAll(factories: readonly AnalyserFactory[]): AnalyserFactory[] {
    return factories.map((f) => this.wrap(f));
  }

  close(): void {
    clearInterval(this.#timer);
    this.#loop?.disable();
  }
}

function measured<M extends MediaKind>(analyser: Analyser<M>, lag: AnalysisLag): Analyser<M> {
  async function* timed(samples: AsyncIterable<MediaSample<M>>): AsyncIterable<MediaSample<M>> {
    for await (const sample of samples) {
      lag.record(sample.receivedAt);
      yield sample;
    }
  }
  return {
    name: analyser.name,
    media: analyser.media,
    emits: analyser.emits,
    analyse: (samples, ctx) => analyser.analyse(timed(samples), ctx),
  };
}
