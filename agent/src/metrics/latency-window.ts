import type { Percentiles } from '@interview-helper/protocol';
import { percentiles } from '../report/build.js';

/** The most recent durations of one stage (a ring of `capacity` values) and their median and 95th percentile. */
export class LatencyWindow {
  #values: number[] = [];
  #next = 0;
  #capacity: number;

  constructor(capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.#capacity = capacity;
  }

  /** Adds one duration (ms); the oldest goes once the window is full. */
  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    if (this.#values.length < this.#capacity) this.#values.push(ms);
    else this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** Nearest-rank p50 and p95 of the window, rounded to 0.01 ms. */
  percentiles(): Percentiles {
    const p = percentiles([...this.#values]);
    const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
    return { n: p.n, p50: round(p.p50), p95: round(p.p95) };
  }
}
