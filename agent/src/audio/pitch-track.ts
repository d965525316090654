import type { PitchPoint } from '../analysers/audio-analysis.js';
import { ANALYSIS_RATE, median } from './pcm.js';
import { YinEstimator } from './pitch-yin.js';

/** Options of {@link PitchTracker} and {@link PitchAnalyser}. */
export interface PitchOptions {
  /** YIN analysis window in samples at 16 kHz (1024 = 64 ms, enough for 60 Hz voices). */
  windowSamples: number;
  /** Hop between estimates in samples at 16 kHz. */
  hopSamples: number;
  /** Frames quieter than this (dBFS RMS) are unvoiced: silence gives nonsense pitch otherwise. */
  gateDbfs: number;
  minHz: number;
  maxHz: number;
  /** Window of the variability measure, in seconds of audio. */
  windowSeconds: number;
  /** Pitch spread (standard deviation in semitones) under which a window is flagged monotone. */
  monotoneSemitones: number;
  /** Voiced audio a window needs before it is judged, in seconds. */
  minVoicedSeconds: number;
}

export const defaultPitchOptions: PitchOptions = {
  windowSamples: 1024,
  hopSamples: 320,
  gateDbfs: -40,
  minHz: 60,
  maxHz: 500,
  windowSeconds: 8,
  monotoneSemitones: 2,
  minVoicedSeconds: 2,
};

export type { PitchPoint } from '../analysers/audio-analysis.js';

/**
 * Fundamental frequency of 16 kHz mono audio with YIN ({@link YinEstimator}: pitchfinder's
 * algorithm, computed only as far as it needs), estimated every hop over a sliding window, only
 * where the audio is loud enough to be voice (quieter windows never reach YIN).
 */
export class PitchTracker {
  #o: PitchOptions;
  #yin: YinEstimator;
  #buf: Float32Array;
  #fill = 0;
  #samples = 0;
  #gate: number;

  constructor(opts: Partial<PitchOptions> = {}) {
    this.#o = { ...defaultPitchOptions, ...opts };
    this.#yin = new YinEstimator(this.#o.windowSamples, ANALYSIS_RATE, 0.15);
    this.#buf = new Float32Array(this.#o.windowSamples);
    this.#gate = 10 ** (this.#o.gateDbfs / 20);
  }

  /** Feeds 16 kHz mono samples; returns the estimates whose windows ended in them. */
  push(data: Int16Array): PitchPoint[] {
    const out: PitchPoint[] = [];
    const { windowSamples: w, hopSamples: hop } = this.#o;
    for (let i = 0; i < data.length; i++) {
      this.#buf[this.#fill++] = (data[i] as number) / 32768;
      this.#samples++;
      if (this.#fill < w) continue;
      const p = this.#estimate();
      if (p !== undefined) out.push({ atMs: ((this.#samples - w / 2) / ANALYSIS_RATE) * 1000, hz: p });
      this.#buf.copyWithin(0, hop);
      this.#fill = w - hop;
    }
    return out;
  }

  #estimate(): number | undefined {
    let sum = 0;
    for (let i = 0; i < this.#buf.length; i++) sum += (this.#buf[i] as number) ** 2;
    if (Math.sqrt(sum / this.#buf.length) < this.#gate) return undefined;
    const hz = this.#yin.estimate(this.#buf);
    return hz !== null && Number.isFinite(hz) && hz >= this.#o.minHz && hz <= this.#o.maxHz ? hz : undefined;
  }
}

/** Spread of pitch in semitones (standard deviation around the median). */
export function semitoneSpread(hz: number[]): number {
  const m = median(hz);
  if (!(m > 0) || hz.length < 2) return 0;
  const st = hz.map((f) => 12 * Math.log2(f / m));
  const mean = st.reduce((a, b) => a + b, 0) / st.length;
  return Math.sqrt(st.reduce((a, b) => a + (b - mean) ** 2, 0) / st.length);
}
