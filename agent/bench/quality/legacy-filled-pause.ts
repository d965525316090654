import {
  type EnvelopeFrame,
  envelopeDistance,
  SpectralEnvelope,
} from '../../src/audio/filled-pause-envelope.js';
import { ANALYSIS_RATE } from '../../src/audio/pcm.js';
import { PitchTracker } from '../../src/audio/pitch.js';

/** Options of {@link FilledPauseDetector}. */
export interface FilledPauseOptions {
  /** Analysis window in samples at 16 kHz (shared with the YIN pitch tracker). */
  windowSamples: number;
  /** Hop between frames in samples at 16 kHz (320 = 20 ms). */
  hopSamples: number;
  /** Frames quieter than this (dBFS RMS) are never part of a filled pause. */
  gateDbfs: number;
  /** Shortest filled pause, in seconds (Goto et al. use ~250 ms of lengthened vowel). */
  minSeconds: number;
  /** Longer stable voicing is a held note or a hum, not a hesitation, in seconds. */
  maxSeconds: number;
  /** Largest pitch step between neighbouring frames inside a filled pause, in semitones. */
  maxPitchStepSemitones: number;
  /** Frames in a row without a pitch estimate that a stretch tolerates (YIN drops some). */
  maxPitchGapFrames: number;
  /** Largest pitch range (highest − lowest) over a filled pause, in semitones. */
  maxPitchRangeSemitones: number;
  /** Largest distance of a frame's spectral envelope from the stretch's mean envelope, dB (RMS over bands). */
  maxSpectralDistanceDb: number;
  /** Largest mean distance of the stretch's frames from its mean envelope, dB. */
  maxSpectralSpreadDb: number;
  /** Largest energy step between neighbouring frames, in dB. */
  maxEnergyStepDb: number;
  /** Energy above 1 kHz relative to the total (dB) a frame needs to have formants; a pure tone has none. */
  minHighBandDb: number;
  /** Two stable stretches this close (ms) are one filled pause (an "er" whose colour shifts midway). */
  mergeGapMs: number;
}

export const defaultFilledPauseOptions: FilledPauseOptions = {
  windowSamples: 1024,
  hopSamples: 320,
  gateDbfs: -40,
  minSeconds: 0.25,
  maxSeconds: 1.5,
  maxPitchStepSemitones: 0.8,
  maxPitchGapFrames: 2,
  maxPitchRangeSemitones: 2.5,
  maxSpectralDistanceDb: 4,
  maxSpectralSpreadDb: 2.5,
  maxEnergyStepDb: 3,
  minHighBandDb: -45,
  mergeGapMs: 200,
};

/** A detected filled pause ("um", "uh", "er"…), in ms of the audio fed so far. */
export interface FilledPause {
  startMs: number;
  endMs: number;
  /** Median fundamental over the pause, Hz. */
  medianHz: number;
  /** Spread of the pitch around its median (standard deviation, semitones). */
  pitchSpreadSemitones: number;
  /** Mean distance of the frames' spectral envelopes from their mean, dB. */
  spectralSpreadDb: number;
}

/** Per-frame measurements (level, pitch where voiced, spectral envelope), exposed for tuning. */
export interface FilledPauseFrame extends EnvelopeFrame {
  atMs: number;
  hz?: number;
}

interface Run {
  frames: FilledPauseFrame[];
  /** Sum of the frames' envelopes (their mean is the reference the next frame is compared with). */
  sum: Float64Array;
  lastHz: number;
  lastDb: number;
  /** Frames in a row without pitch at the end of the run. */
  missing: number;
}

/**
 * Acoustic filled-pause detector that needs no speech recognition, after Goto, Itou & Hayamizu
 * (1999): a hesitation vowel is a voiced stretch of at least `minSeconds` whose fundamental stays
 * nearly flat and whose spectral envelope barely moves (no articulation), unlike ordinary syllables
 * whose formants and pitch keep changing. Pitch comes from the YIN {@link PitchTracker}; the
 * envelope is the log energy of 12 bands (100–3600 Hz) of a 512-point FFT (fft.js) with the overall
 * level removed. Stretches longer than `maxSeconds` (humming, a held tone) and stretches without
 * energy above 1 kHz (a pure tone) are not filled pauses.
 */
export class FilledPauseDetector {
  #o: FilledPauseOptions;
  #pitch: PitchTracker;
  #envelope = new SpectralEnvelope();
  #buf: Float32Array;
  #fill = 0;
  #samples = 0;
  #pitches = new Map<number, number>();
  #run: Run = { frames: [], sum: new Float64Array(0), lastHz: 0, lastDb: 0, missing: 0 };
  /** The last filled pause, held for `mergeGapMs` in case the next stretch continues it. */
  #pending?: FilledPause;
  #onFrame?: (f: FilledPauseFrame) => void;

  constructor(opts: Partial<FilledPauseOptions> = {}, onFrame?: (f: FilledPauseFrame) => void) {
    this.#o = { ...defaultFilledPauseOptions, ...opts };
    if (!(this.#o.minSeconds > 0 && this.#o.maxSeconds > this.#o.minSeconds))
      throw new RangeError('filled pause needs 0 < minSeconds < maxSeconds');
    this.#pitch = new PitchTracker({
      windowSamples: this.#o.windowSamples,
      hopSamples: this.#o.hopSamples,
      gateDbfs: this.#o.gateDbfs,
    });
    if (this.#o.windowSamples < SpectralEnvelope.SIZE)
      throw new RangeError(`filled pause needs windowSamples ≥ ${SpectralEnvelope.SIZE}`);
    this.#buf = new Float32Array(this.#o.windowSamples);
    this.#onFrame = onFrame;
  }

  /** Feeds 16 kHz mono samples; returns the filled pauses that ended in them. */
  push(data: Int16Array): FilledPause[] {
    const out: FilledPause[] = [];
    const { windowSamples: w, hopSamples: hop } = this.#o;
    // Hop by hop, so the pitch tracker's estimate for a window is there when the window is judged.
    for (let from = 0; from < data.length; from += hop) {
      const piece = data.subarray(from, from + hop);
      for (const p of this.#pitch.push(piece)) this.#pitches.set(Math.round(p.atMs), p.hz);
      for (let i = 0; i < piece.length; i++) {
        this.#buf[this.#fill++] = (piece[i] as number) / 32768;
        this.#samples++;
        if (this.#fill < w) continue;
        const atMs = ((this.#samples - w / 2) / ANALYSIS_RATE) * 1000;
        const found = this.#hold(this.#frame(atMs), atMs);
        if (found) out.push(found);
        this.#buf.copyWithin(0, hop);
        this.#fill = w - hop;
      }
      // Both frame the audio alike, so each estimate is taken at once; this only bounds the map.
      if (this.#pitches.size > 16) this.#pitches.clear();
    }
    return out;
  }

  /** Ends the audio: a filled pause still running is judged. */
  flush(): FilledPause[] {
    const found = this.#hold(this.#close(), Number.POSITIVE_INFINITY);
    const pending = this.#pending;
    this.#pending = undefined;
    return [found, pending].filter((p): p is FilledPause => p !== undefined);
  }

  /** Merges `found` into the held pause when close enough; returns the held one once it is final. */
  #hold(found: FilledPause | undefined, atMs: number): FilledPause | undefined {
    const held = this.#pending;
    const gap = this.#o.mergeGapMs;
    if (found && held && found.startMs - held.endMs <= gap) {
      // Together too long: a held sound, not a hesitation.
      if (found.endMs - held.startMs > this.#o.maxSeconds * 1000) {
        this.#pending = undefined;
        return undefined;
      }
      const a = (held.endMs - held.startMs) / (found.endMs - held.startMs);
      this.#pending = {
        startMs: held.startMs,
        endMs: found.endMs,
        medianHz: a * held.medianHz + (1 - a) * found.medianHz,
        pitchSpreadSemitones: Math.max(held.pitchSpreadSemitones, found.pitchSpreadSemitones),
        spectralSpreadDb: a * held.spectralSpreadDb + (1 - a) * found.spectralSpreadDb,
      };
      return undefined;
    }
    if (found) {
      this.#pending = found;
      return held;
    }
    // Still held while a stretch that began within the gap is running: it may continue this pause.
    const next = this.#run.frames[0]?.atMs ?? Number.POSITIVE_INFINITY;
    if (held && atMs - held.endMs > gap && next - held.endMs > gap) {
      this.#pending = undefined;
      return held;
    }
    return undefined;
  }

  #frame(atMs: number): FilledPause | undefined {
    const key = Math.round(atMs);
    const hz = this.#pitches.get(key);
    this.#pitches.delete(key);
    const f = this.#measure(atMs, hz);
    this.#onFrame?.(f);
    const o = this.#o;
    const run = this.#run;
    if (f.db <= o.gateDbfs) return this.#close();
    if (run.frames.length === 0) {
      if (hz !== undefined) this.#start(f);
      return undefined;
    }
    const distance = envelopeDistance(
      f.shape,
      run.sum.map((x) => x / run.frames.length),
    );
    const pitchOk =
      hz === undefined
        ? run.missing < o.maxPitchGapFrames
        : Math.abs(12 * Math.log2(hz / run.lastHz)) <= o.maxPitchStepSemitones;
    if (pitchOk && distance <= o.maxSpectralDistanceDb && Math.abs(f.db - run.lastDb) <= o.maxEnergyStepDb) {
      this.#add(f);
      return undefined;
    }
    const found = this.#close();
    if (hz !== undefined) this.#start(f);
    return found;
  }

  #start(f: FilledPauseFrame): void {
    this.#run = {
      frames: [],
      sum: new Float64Array(f.shape.length),
      lastHz: f.hz as number,
      lastDb: f.db,
      missing: 0,
    };
    this.#add(f);
  }

  #add(f: FilledPauseFrame): void {
    const run = this.#run;
    run.frames.push(f);
    for (let b = 0; b < f.shape.length; b++) run.sum[b] = (run.sum[b] as number) + (f.shape[b] as number);
    run.lastDb = f.db;
    if (f.hz === undefined) run.missing++;
    else {
      run.lastHz = f.hz;
      run.missing = 0;
    }
  }

  #measure(atMs: number, hz: number | undefined): FilledPauseFrame {
    // The envelope sees the centre of the pitch window.
    const e = this.#envelope.measure(this.#buf, (this.#o.windowSamples - SpectralEnvelope.SIZE) >> 1);
    return { atMs, hz, ...e };
  }

  /** Ends the current stable run and judges it. */
  #close(): FilledPause | undefined {
    const run = this.#run;
    this.#run = { frames: [], sum: new Float64Array(0), lastHz: 0, lastDb: 0, missing: 0 };
    // Trailing frames without pitch are not part of the vowel.
    const frames = run.frames.slice(0, run.frames.length - run.missing);
    if (frames.length === 0) return undefined;
    const o = this.#o;
    const hop = (o.hopSamples / ANALYSIS_RATE) * 1000;
    const startMs = (frames[0] as FilledPauseFrame).atMs - hop / 2;
    const endMs = (frames.at(-1) as FilledPauseFrame).atMs + hop / 2;
    const seconds = (endMs - startMs) / 1000;
    if (seconds < o.minSeconds || seconds > o.maxSeconds) return undefined;
    const hz = frames.flatMap((f) => (f.hz === undefined ? [] : [f.hz])).sort((a, b) => a - b);
    const medianHz = hz[hz.length >> 1] as number;
    if (12 * Math.log2((hz.at(-1) as number) / (hz[0] as number)) > o.maxPitchRangeSemitones)
      return undefined;
    const bands = (frames[0] as FilledPauseFrame).shape.length;
    const mean = new Float64Array(bands);
    for (const f of frames)
      for (let b = 0; b < bands; b++) mean[b] = (mean[b] as number) + (f.shape[b] as number) / frames.length;
    const spread = frames.reduce((n, f) => n + envelopeDistance(f.shape, mean), 0) / frames.length;
    if (spread > o.maxSpectralSpreadDb) return undefined;
    if (frames.filter((f) => f.highDb >= o.minHighBandDb).length < frames.length / 2) return undefined;
    const st = hz.map((x) => 12 * Math.log2(x / medianHz));
    const meanSt = st.reduce((a, b) => a + b, 0) / st.length;
    return {
      startMs: Math.round(startMs),
      endMs: Math.round(endMs),
      medianHz,
      pitchSpreadSemitones: Math.sqrt(st.reduce((a, b) => a + (b - meanSt) ** 2, 0) / st.length),
      spectralSpreadDb: spread,
    };
  }
}
