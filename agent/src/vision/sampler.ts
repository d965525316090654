import { availableParallelism } from 'node:os';
import type { CandidateActivity } from '../analysers/activity.js';
import { withDefaults } from '../options.js';

/** Options of {@link FrameSampler}. */
export interface FrameSamplerOptions {
  /** Frames analysed per second while the candidate speaks. */
  speakingFps: number;
  /** Frames analysed per second otherwise (and when no voice activity is known). */
  idleFps: number;
  /** The rate is never lowered below this under load. */
  minFps: number;
  /** Process CPU share of the machine (0–1) above which the rate is lowered in proportion. */
  highLoad: number;
  /** The process's CPU share of the machine, 0–1 (default: {@link processCpuShare}). */
  load: () => number;
}

export const defaultFrameSamplerOptions: FrameSamplerOptions = {
  speakingFps: 2,
  idleFps: 1,
  minFps: 0.25,
  highLoad: 0.6,
  load: () => processCpuShare(),
};

/** Counts of a {@link FrameSampler} since it started or since the last {@link FrameSampler.window}. */
export interface SamplerCounts {
  /** Frames offered. */
  seen: number;
  /** Frames the sampler let through. */
  analysed: number;
  /** Frames passed over (too soon after the previous analysed one). */
  skipped: number;
  /** Of the analysed, those taken sooner than the rate because they were asked for ({@link FrameSampler.lookAt}). */
  closer: number;
  /** Wall-clock span covered, ms. */
  spanMs: number;
  /** Frames analysed per second over the span. */
  analysedFps: number;
  /** Target rate at the last decision. */
  targetFps: number;
}

/**
 * Decides which video frames an analyser looks at: about `speakingFps` while the candidate
 * speaks (from the session's {@link CandidateActivity}, fed by Silero VAD), `idleFps` otherwise,
 * lowered in proportion when this process uses more than `highLoad` of the machine's CPU
 * (`rate × highLoad / load`, never below `minFps`). It only ever sees the newest frame — the
 * runner's video queue keeps the latest one — so nothing stale is analysed; frames that arrive
 * sooner than `1 / rate` after the last analysed one are skipped and counted.
 *
 * ```ts
 * const sampler = new FrameSampler({}, ctx.activity);
 * for await (const sample of samples) {
 *   if (!sampler.take(sample.receivedAt)) continue;
 *   // … analyse sample
 * }
 * ```
 */
export class FrameSampler {
  #o: FrameSamplerOptions;
  #activity?: CandidateActivity;
  #last = Number.NEGATIVE_INFINITY;
  #carry = 0;
  #prevSeen = Number.NEGATIVE_INFINITY;
  #target: number;
  #windowStart = -1;
  #seen = 0;
  #analysed = 0;
  #wish: number | undefined;
  #closer = 0;

  constructor(opts: Partial<FrameSamplerOptions> = {}, activity?: CandidateActivity) {
    this.#o = withDefaults(defaultFrameSamplerOptions, opts);
    for (const key of ['speakingFps', 'idleFps', 'minFps'] as const) {
      if (!(this.#o[key] > 0)) throw new RangeError(`${key} must be positive`);
    }
    this.#activity = activity;
    this.#target = this.#o.idleFps;
  }

  /** The rate the sampler aims at now, frames per second. */
  targetFps(): number {
    const base = this.#activity?.candidateSpeaking ? this.#o.speakingFps : this.#o.idleFps;
    const load = this.#o.load();
    const scaled = load > this.#o.highLoad ? (base * this.#o.highLoad) / load : base;
    return Math.max(Math.min(this.#o.minFps, base), scaled);
  }

  /**
   * Asks for one frame at or after `t` (wall-clock ms) even when the rate would skip it — when an analysed frame
   * could decide something then (an episode about to start or end) — or withdraws the wish (undefined). The
   * regular rate goes on from that frame.
   */
  lookAt(t: number | undefined): void {
    this.#wish = t;
  }

  /** Whether to analyse the frame received at `t` (wall-clock ms); counts it either way. */
  take(t: number): boolean {
    if (this.#windowStart < 0) this.#windowStart = t;
    this.#seen++;
    const prev = this.#prevSeen;
    this.#prevSeen = t;
    this.#target = this.targetFps();
    const interval = 1000 / this.#target;
    const due = this.#last + interval - this.#carry;
    const wished = this.#wish !== undefined && t >= this.#wish;
    if (t < due && !wished) return false;
    if (wished) this.#wish = undefined;
    if (t < due) {
      // a frame asked for: the rate starts again from it
      this.#carry = 0;
      this.#closer++;
    } else {
      // carry the lateness (up to half an interval) so that, e.g., a 15 fps camera (67 ms apart)
      // still averages 2 analysed frames per second rather than one every 533 ms
      // (never more than the gap to the previous frame: lateness from a rate change is not carried)
      this.#carry = Number.isFinite(due) ? Math.min(interval / 2, t - due, t - prev) : 0;
    }
    this.#last = t;
    this.#analysed++;
    return true;
  }

  /** Counts since the previous window (or the start), then starts a new window at `t`. */
  window(t: number): SamplerCounts {
    const spanMs = this.#windowStart < 0 ? 0 : t - this.#windowStart;
    const counts: SamplerCounts = {
      seen: this.#seen,
      analysed: this.#analysed,
      skipped: this.#seen - this.#analysed,
      closer: this.#closer,
      spanMs,
      analysedFps: spanMs > 0 ? (this.#analysed * 1000) / spanMs : 0,
      targetFps: this.#target,
    };
    this.#windowStart = t;
    this.#seen = this.#analysed = this.#closer = 0;
    return counts;
  }
}

/**
 * An analyser's sampling options with an optional fixed rate `fps` (the same while speaking and
 * idle) applied; throws a RangeError for a rate that is not positive, when the analyser is
 * created rather than when its track starts.
 */
export function samplingOptions(
  sampling: Partial<FrameSamplerOptions>,
  fps?: number,
): Partial<FrameSamplerOptions> {
  if (fps !== undefined && !(fps > 0)) throw new RangeError('fps must be positive');
  const merged = fps === undefined ? sampling : { ...sampling, speakingFps: fps, idleFps: fps };
  new FrameSampler(merged);
  return merged;
}

const LOAD_WINDOW_MS = 2000;
let loadSample = { wallMs: performance.now(), cpuUs: cpuMicros() };
let loadShare = 0;

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * CPU time this process used over the last ~2 s as a share of the machine (all cores), 0–1. One
 * measure for the whole process (every room), refreshed lazily at most every 2 s: no timer.
 */
export function processCpuShare(): number {
  const wallMs = performance.now();
  const elapsed = wallMs - loadSample.wallMs;
  if (elapsed >= LOAD_WINDOW_MS) {
    const cpuUs = cpuMicros();
    loadShare = Math.min(1, (cpuUs - loadSample.cpuUs) / (elapsed * 1000 * availableParallelism()));
    loadSample = { wallMs, cpuUs };
  }
  return loadShare;
}
