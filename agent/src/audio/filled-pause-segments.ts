import { type EnvelopeFrame, envelopeDistance } from './filled-pause-envelope.js';

/** One analysis frame: level and spectral envelope, and the pitch where the tracker found one. */
export interface FilledPauseFrame extends EnvelopeFrame {
  atMs: number;
  hz?: number;
  /** Periodicity of the frame, 0–1 (see `Periodicity`; 0 when at or under the gate, not measured). */
  periodicity: number;
  /** First two formants, Hz (see `Formants`; 0 when not found or at or under the gate). */
  f1: number;
  f2: number;
}

/** Thresholds of {@link StableSegmenter} and {@link judgeSegment}. */
export interface SegmentOptions {
  /** Frames quieter than this (dBFS RMS) are never part of a filled pause. */
  gateDbfs: number;
  /** Shortest filled pause inside running speech, seconds (a stable vowel that long). */
  minSeconds: number;
  /** Shortest filled pause with no speech before it to compare with, seconds. */
  isolatedMinSeconds: number;
  /** Longer stable voicing is a held note or a hum, not a hesitation, seconds. */
  maxSeconds: number;
  /** In running speech, a filled pause lasts at least this many times the speaker's typical stable vowel. */
  minRelativeDuration: number;
  /** Stable stretches of the last this-many seconds make the speaker's context. */
  contextSeconds: number;
  /** Stable stretches (of ≥ 2 frames) the context needs before durations are compared with it. */
  minContextSegments: number;
  /** Largest pitch step between neighbouring pitched frames inside a stretch, semitones. */
  maxPitchStepSemitones: number;
  /** Largest pitch range (highest − lowest, after a 3-frame median) over a filled pause, semitones. */
  maxPitchRangeSemitones: number;
  /** Largest standard deviation of the pitch around its median over a filled pause, semitones. */
  maxPitchSpreadSemitones: number;
  /** Share of a filled pause's frames that must be voiced (a pitch estimate or a periodicity of `minPeriodicity`). */
  minVoicedShare: number;
  /** A frame this periodic counts as voiced even when the pitch tracker dropped it. */
  minPeriodicity: number;
  /** Largest distance of a frame's spectral envelope from the stretch's mean envelope, dB. */
  maxSpectralDistanceDb: number;
  /** Largest mean distance of the stretch's frames from its mean envelope, dB. */
  maxSpectralSpreadDb: number;
  /** Largest energy step between neighbouring frames, dB. */
  maxEnergyStepDb: number;
  /** Energy above 1.1 kHz relative to the total (dB) a frame needs to have formants; a pure tone has none. */
  minHighBandDb: number;
  /**
   * F2 / F1 of a hesitation vowel: central or open ("uh" /ʌ/ ≈ 1.9, schwa ≈ 3, "er" /ɜ/ ≈ 2.8,
   * "ah" /ɑ/ ≈ 1.5), unlike front vowels (/i/, /ɪ/, /e/: 4 and more) and back rounded ones
   * (/ɔ/, /o/ with F1 and F2 merged into one peak: under 1.4).
   */
  centralVowelRatio: [number, number];
  /** Lowest median F1 of a hesitation vowel, Hz (close vowels such as /i/ and /u/ have less). */
  minF1Hz: number;
}

export const defaultSegmentOptions: SegmentOptions = {
  gateDbfs: -40,
  minSeconds: 0.18,
  isolatedMinSeconds: 0.2,
  maxSeconds: 1.5,
  minRelativeDuration: 1.5,
  contextSeconds: 8,
  minContextSegments: 3,
  maxPitchStepSemitones: 1,
  maxPitchRangeSemitones: 6,
  maxPitchSpreadSemitones: 2,
  minVoicedShare: 0.5,
  minPeriodicity: 0.5,
  maxSpectralDistanceDb: 4,
  maxSpectralSpreadDb: 2.5,
  maxEnergyStepDb: 3,
  minHighBandDb: -45,
  centralVowelRatio: [1.4, 3.6],
  minF1Hz: 350,
};

/** A stretch of loud frames whose envelope, level and pitch barely move. */
export interface Segment {
  frames: FilledPauseFrame[];
  startMs: number;
  endMs: number;
}

/** What {@link judgeSegment} measured of a stable stretch. */
export interface SegmentFeatures {
  seconds: number;
  /** Share of voiced frames (pitch estimate or periodic). */
  voicedShare: number;
  /** Mean periodicity of the frames. */
  periodicity: number;
  /** Median pitch, Hz (0 without any). */
  medianHz: number;
  /** Highest − lowest pitch after a 3-frame median, semitones. */
  pitchRangeSemitones: number;
  /** Standard deviation of the pitch around its median, semitones. */
  pitchSpreadSemitones: number;
  /** Slope of a straight line fitted to the pitch (semitones per second; a glide). */
  pitchSlopeSemitonesPerSecond: number;
  /** Standard deviation of the pitch around that line, semitones (wobble, not glide). */
  pitchResidualSemitones: number;
  /** Mean distance of the frames' envelopes from their mean, dB. */
  spectralSpreadDb: number;
  /** Share of frames with energy above 1.1 kHz (formants). */
  formantShare: number;
  /** Median first and second formant, Hz. */
  f1Hz: number;
  f2Hz: number;
  /** Duration against the median stable stretch of the context (NaN without enough context). */
  relativeDuration: number;
  /** Stable stretches in the context. */
  contextSegments: number;
}

const semitones = (a: number, b: number) => 12 * Math.log2(a / b);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;

/**
 * Cuts a stream of frames into stable stretches: loud frames whose spectral envelope stays within
 * `maxSpectralDistanceDb` of the stretch's mean, whose level steps less than `maxEnergyStepDb` and
 * whose pitch (where the tracker has one; it drops some voiced frames) steps less than
 * `maxPitchStepSemitones`. Pure: frames in, closed stretches out.
 */
export class StableSegmenter {
  #o: SegmentOptions;
  #frames: FilledPauseFrame[] = [];
  #sum = new Float64Array(0);
  #lastHz = 0;
  #lastDb = 0;
  #hop: number;

  constructor(opts: SegmentOptions, hopMs: number) {
    this.#o = opts;
    this.#hop = hopMs;
  }

  /** The first frame of the running stretch, if any. */
  get runningSince(): number | undefined {
    return this.#frames[0]?.atMs;
  }

  /** Feeds one frame; returns the stretch it ended, if any. */
  push(f: FilledPauseFrame): Segment | undefined {
    const o = this.#o;
    if (f.db <= o.gateDbfs) return this.close();
    const n = this.#frames.length;
    if (n > 0) {
      const mean = this.#sum.map((x) => x / n);
      const pitchOk =
        f.hz === undefined ||
        this.#lastHz === 0 ||
        Math.abs(semitones(f.hz, this.#lastHz)) <= o.maxPitchStepSemitones;
      if (
        pitchOk &&
        envelopeDistance(f.shape, mean) <= o.maxSpectralDistanceDb &&
        Math.abs(f.db - this.#lastDb) <= o.maxEnergyStepDb
      ) {
        this.#add(f);
        return undefined;
      }
    }
    const closed = this.close();
    this.#add(f);
    return closed;
  }

  /** Ends the running stretch and returns it (undefined when none). */
  close(): Segment | undefined {
    const frames = this.#frames;
    this.#frames = [];
    this.#sum = new Float64Array(0);
    this.#lastHz = 0;
    if (frames.length === 0) return undefined;
    const half = this.#hop / 2;
    return {
      frames,
      startMs: (frames[0] as FilledPauseFrame).atMs - half,
      endMs: (frames.at(-1) as FilledPauseFrame).atMs + half,
    };
  }

  #add(f: FilledPauseFrame): void {
    if (this.#frames.length === 0) this.#sum = new Float64Array(f.shape.length);
    this.#frames.push(f);
    for (let b = 0; b < f.shape.length; b++) this.#sum[b] = (this.#sum[b] as number) + (f.shape[b] as number);
    this.#lastDb = f.db;
    if (f.hz !== undefined) this.#lastHz = f.hz;
  }
}

/**
 * The speaker's recent stable stretches (their ends and durations), so that a filled pause can be
 * judged against the speaker's own speech: a hesitation vowel is held much longer than the vowels
 * of the words around it.
 */
export class SpeechContext {
  #segments: { endMs: number; seconds: number }[] = [];
  #o: SegmentOptions;

  constructor(opts: SegmentOptions) {
    this.#o = opts;
  }

  /** Adds a closed stretch of at least two frames. */
  add(s: Segment): void {
    if (s.frames.length < 2) return;
    this.#segments.push({ endMs: s.endMs, seconds: (s.endMs - s.startMs) / 1000 });
  }

  /** Median duration (seconds) and count of the stretches that ended in the context window before `atMs`. */
  typical(atMs: number): { seconds: number; count: number } {
    const from = atMs - this.#o.contextSeconds * 1000;
    while (this.#segments.length && (this.#segments[0] as { endMs: number }).endMs < from)
      this.#segments.shift();
    const recent = this.#segments.filter((s) => s.endMs <= atMs);
    return { seconds: median(recent.map((s) => s.seconds)), count: recent.length };
  }
}

/** Least-squares line through (x, y): its slope and the standard deviation of y around it. */
function lineFit(x: number[], y: number[]): { slope: number; residual: number } {
  const n = x.length;
  if (n < 2) return { slope: 0, residual: 0 };
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += ((x[i] as number) - mx) * ((y[i] as number) - my);
    sxx += ((x[i] as number) - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  let r = 0;
  for (let i = 0; i < n; i++) r += ((y[i] as number) - my - slope * ((x[i] as number) - mx)) ** 2;
  return { slope, residual: Math.sqrt(r / n) };
}

/** Measures a stable stretch against the context (see {@link SegmentFeatures}). */
export function segmentFeatures(
  s: Segment,
  context: { seconds: number; count: number },
  opts: SegmentOptions,
): SegmentFeatures {
  const seconds = (s.endMs - s.startMs) / 1000;
  const hz = s.frames.flatMap((f) => (f.hz === undefined ? [] : [f.hz]));
  // 3-point median against single octave slips of the tracker
  const smooth = hz.map((_, i) => median(hz.slice(Math.max(0, i - 1), i + 2)));
  const medianHz = median(hz);
  const st = hz.map((x) => semitones(x, medianHz || 1));
  const { slope, residual } = lineFit(
    s.frames.flatMap((f) => (f.hz === undefined ? [] : [f.atMs / 1000])),
    st,
  );
  const bands = (s.frames[0] as FilledPauseFrame).shape.length;
  const mean = new Float64Array(bands);
  for (const f of s.frames)
    for (let b = 0; b < bands; b++) mean[b] = (mean[b] as number) + (f.shape[b] as number) / s.frames.length;
  return {
    seconds,
    voicedShare:
      s.frames.filter((f) => f.hz !== undefined || f.periodicity >= opts.minPeriodicity).length /
      s.frames.length,
    periodicity: s.frames.reduce((n, f) => n + f.periodicity, 0) / s.frames.length,
    medianHz,
    pitchRangeSemitones: smooth.length ? semitones(Math.max(...smooth), Math.min(...smooth)) : 0,
    pitchSpreadSemitones: st.length ? Math.sqrt(st.reduce((a, b) => a + b * b, 0) / st.length) : 0,
    pitchSlopeSemitonesPerSecond: slope,
    pitchResidualSemitones: residual,
    spectralSpreadDb: s.frames.reduce((n, f) => n + envelopeDistance(f.shape, mean), 0) / s.frames.length,
    formantShare: s.frames.filter((f) => f.highDb >= opts.minHighBandDb).length / s.frames.length,
    f1Hz: median(s.frames.map((f) => f.f1)),
    f2Hz: median(s.frames.map((f) => f.f2)),
    relativeDuration:
      context.count >= opts.minContextSegments ? seconds / (context.seconds || 1) : Number.NaN,
    contextSegments: context.count,
  };
}

/**
 * Whether a stable stretch is a filled pause: voiced, with formants in the pattern of a central
 * vowel, a nearly flat pitch and envelope, between `minSeconds` and `maxSeconds` long and, inside running speech, held
 * at least `minRelativeDuration` times longer than the speaker's typical stable vowel (on its own,
 * at least `isolatedMinSeconds`).
 */
export function judgeSegment(f: SegmentFeatures, o: SegmentOptions): boolean {
  if (f.seconds < o.minSeconds || f.seconds > o.maxSeconds) return false;
  if (f.voicedShare < o.minVoicedShare) return false;
  if (f.pitchRangeSemitones > o.maxPitchRangeSemitones || f.pitchSpreadSemitones > o.maxPitchSpreadSemitones)
    return false;
  if (f.spectralSpreadDb > o.maxSpectralSpreadDb) return false;
  if (f.formantShare < 0.5) return false;
  const ratio = f.f2Hz / f.f1Hz;
  if (!(f.f1Hz >= o.minF1Hz && ratio >= o.centralVowelRatio[0] && ratio <= o.centralVowelRatio[1]))
    return false;
  if (Number.isNaN(f.relativeDuration)) return f.seconds >= o.isolatedMinSeconds;
  return f.relativeDuration >= o.minRelativeDuration;
}
