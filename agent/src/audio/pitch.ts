import type { SignalKind } from '@interview-helper/protocol';
import type { AudioFrame } from '@livekit/rtc-node';
import { YIN } from 'pitchfinder';
import type { Analyser, AnalyserContext, AudioSample, SignalDraft } from '../analysers/analyser.js';
import { ANALYSIS_RATE, MonoResampler, median, round } from './pcm.js';

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

/** One pitch estimate at a point of the audio. */
export interface PitchPoint {
  atMs: number;
  hz: number;
}

/**
 * Fundamental frequency of 16 kHz mono audio with YIN (pitchfinder), estimated every hop over a
 * sliding window, only where the audio is loud enough to be voice.
 */
export class PitchTracker {
  #o: PitchOptions;
  #yin: (signal: Float32Array) => number | null;
  #buf: Float32Array;
  #fill = 0;
  #samples = 0;
  #gate: number;

  constructor(opts: Partial<PitchOptions> = {}) {
    this.#o = { ...defaultPitchOptions, ...opts };
    this.#yin = YIN({ sampleRate: ANALYSIS_RATE, threshold: 0.15 });
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
    const hz = this.#yin(this.#buf);
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

/**
 * The candidate's voice pitch: per window of audio the median fundamental and its spread in
 * semitones (`pitch` signal), and a `monotone` signal when the spread stays under the threshold.
 */
export class PitchAnalyser implements Analyser<'audio'> {
  readonly name = 'pitch';
  readonly media = 'audio' as const;
  readonly emits = ['pitch', 'monotone'] as const satisfies readonly SignalKind[];
  #o: PitchOptions;

  constructor(opts: Partial<PitchOptions> = {}) {
    this.#o = { ...defaultPitchOptions, ...opts };
  }

  async *analyse(samples: AsyncIterable<AudioSample>, ctx: AnalyserContext): AsyncIterable<SignalDraft> {
    const tracker = new PitchTracker(this.#o);
    const resampler = new MonoResampler();
    const hopSeconds = this.#o.hopSamples / ANALYSIS_RATE;
    let origin = Number.NaN;
    let audioMs = 0;
    let windowStartMs = 0;
    let points: PitchPoint[] = [];
    const wall = (ms: number) => Math.round((Number.isNaN(origin) ? ctx.now() : origin) + ms);
    const judge = function* (this: PitchAnalyser, endMs: number): Generator<SignalDraft> {
      const voiced = points.length * hopSeconds;
      const hz = points.map((p) => p.hz);
      const startMs = windowStartMs;
      points = [];
      windowStartMs = endMs;
      if (voiced < this.#o.minVoicedSeconds) return;
      const spread = semitoneSpread(hz);
      const medianHz = median(hz);
      const monotone = spread < this.#o.monotoneSemitones;
      const range = { start: wall(startMs), end: wall(endMs) };
      const values = {
        medianHz: round(medianHz, 1),
        semitoneSpread: round(spread, 2),
        voicedSeconds: round(voiced, 2),
        windowSeconds: round((endMs - startMs) / 1000, 2),
        monotone,
      };
      const confidence = round(Math.min(1, voiced / (this.#o.windowSeconds * 0.5)), 2);
      yield {
        kind: 'pitch',
        range,
        values,
        confidence,
        summary: `Pitch ${values.medianHz} Hz, spread ${values.semitoneSpread} st`,
      };
      if (monotone)
        yield {
          kind: 'monotone',
          range,
          values: { ...values, thresholdSemitones: this.#o.monotoneSemitones },
          confidence,
          summary: `Flat delivery: pitch varied ${values.semitoneSpread} semitones over ${values.windowSeconds} s`,
        };
    }.bind(this);
    try {
      for await (const { frame, receivedAt } of samples) {
        if (Number.isNaN(origin)) origin = receivedAt - (frame.samplesPerChannel / frame.sampleRate) * 1000;
        for (const f of resampler.push(frame) as AudioFrame[]) {
          points.push(...tracker.push(f.data));
          audioMs += (f.samplesPerChannel / ANALYSIS_RATE) * 1000;
          if (audioMs - windowStartMs >= this.#o.windowSeconds * 1000) yield* judge(audioMs);
        }
      }
      yield* judge(audioMs);
    } finally {
      resampler.close();
    }
  }
}
