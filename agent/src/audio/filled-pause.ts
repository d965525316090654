import { Formants, Periodicity, SpectralEnvelope } from './filled-pause-envelope.js';
import {
  defaultSegmentOptions,
  type FilledPauseFrame,
  judgeSegment,
  type Segment,
  type SegmentFeatures,
  type SegmentOptions,
  SpeechContext,
  StableSegmenter,
  segmentFeatures,
} from './filled-pause-segments.js';
import { ANALYSIS_RATE } from './pcm.js';
import { type PitchPoint, PitchTracker } from './pitch-track.js';

export type { FilledPauseFrame } from './filled-pause-segments.js';

/** Options of {@link FilledPauseDetector}. */
export interface FilledPauseOptions extends SegmentOptions {
  /** Analysis window in samples at 16 kHz (shared with the YIN pitch tracker). */
  windowSamples: number;
  /** Hop between frames in samples at 16 kHz (320 = 20 ms). */
  hopSamples: number;
  /** Two filled-pause stretches this close (ms) are one filled pause (an "um" whose vowel turns into its "m"). */
  mergeGapMs: number;
}

export const defaultFilledPauseOptions: FilledPauseOptions = {
  ...defaultSegmentOptions,
  windowSamples: 1024,
  hopSamples: 320,
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
  /** Duration against the speaker's typical stable vowel in the seconds before (NaN when it stood alone). */
  relativeDuration: number;
}

/**
 * Acoustic filled-pause detector that needs no speech recognition, after Goto, Itou & Hayamizu
 * (1999): a hesitation vowel is a voiced stretch whose fundamental stays nearly flat and whose
 * spectral envelope barely moves (no articulation). Inside running speech fillers are short and
 * run into the words around them, so the stretch is judged against the speaker's own speech: it
 * must be held `minRelativeDuration` times longer than the speaker's typical stable vowel of the
 * last `contextSeconds` (at least `minSeconds`); a stretch with no speech before it needs
 * `isolatedMinSeconds`. Stretches longer than `maxSeconds` (a hum, a held tone) and without energy
 * above 1 kHz (a pure tone) are not filled pauses. The envelope is the log energy of 12 bands
 * (100–3600 Hz) of a 512-point FFT with the overall level removed. Pitch is the YIN
 * {@link PitchTracker}'s, run here unless the caller passes its own track to {@link push} (the
 * same window and hop); the judging itself is pure ({@link StableSegmenter}, {@link judgeSegment}).
 */
export class FilledPauseDetector {
  #o: FilledPauseOptions;
  #pitch: PitchTracker | undefined;
  #envelope = new SpectralEnvelope();
  #periodicity: Periodicity;
  #formants = new Formants(SpectralEnvelope.SIZE);
  #segmenter: StableSegmenter;
  #context: SpeechContext;
  #buf: Float32Array;
  #fill = 0;
  #samples = 0;
  #pitches = new Map<number, number>();
  /** The last filled pause, held for `mergeGapMs` in case the next stretch continues it. */
  #pending?: FilledPause;
  #onFrame?: (f: FilledPauseFrame) => void;
  #onSegment?: (s: Segment, f: SegmentFeatures, isFilledPause: boolean) => void;

  constructor(
    opts: Partial<FilledPauseOptions> = {},
    onFrame?: (f: FilledPauseFrame) => void,
    onSegment?: (s: Segment, f: SegmentFeatures, isFilledPause: boolean) => void,
  ) {
    this.#o = { ...defaultFilledPauseOptions, ...opts };
    if (!(this.#o.minSeconds > 0 && this.#o.maxSeconds > this.#o.minSeconds))
      throw new RangeError('filled pause needs 0 < minSeconds < maxSeconds');
    if (this.#o.windowSamples < SpectralEnvelope.SIZE)
      throw new RangeError(`filled pause needs windowSamples ≥ ${SpectralEnvelope.SIZE}`);
    this.#buf = new Float32Array(this.#o.windowSamples);
    this.#periodicity = new Periodicity(this.#o.windowSamples);
    this.#segmenter = new StableSegmenter(this.#o, (this.#o.hopSamples / ANALYSIS_RATE) * 1000);
    this.#context = new SpeechContext(this.#o);
    this.#onFrame = onFrame;
    this.#onSegment = onSegment;
  }

  /**
   * Feeds 16 kHz mono samples; returns the filled pauses that ended in them. `pitch` is the pitch
   * track of these samples from a tracker with this detector's window and hop (estimates at the
   * window centres, ms of the audio fed so far); without it the detector runs its own YIN tracker.
   */
  push(data: Int16Array, pitch?: readonly PitchPoint[]): FilledPause[] {
    const out: FilledPause[] = [];
    const { windowSamples: w, hopSamples: hop, gateDbfs } = this.#o;
    if (pitch) for (const p of pitch) this.#pitches.set(Math.round(p.atMs), p.hz);
    else this.#pitch ??= new PitchTracker({ windowSamples: w, hopSamples: hop, gateDbfs });
    // Hop by hop, so the pitch tracker's estimate for a window is there when the window is judged.
    for (let from = 0; from < data.length; from += hop) {
      const piece = data.subarray(from, from + hop);
      if (!pitch && this.#pitch)
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
    }
    // Estimates are taken as their frames pass; older keys (a track given ahead) are dropped.
    const oldest = ((this.#samples - w) / ANALYSIS_RATE) * 1000;
    for (const k of this.#pitches.keys()) if (k < oldest) this.#pitches.delete(k);
    return out;
  }

  /** Ends the audio: a filled pause still running is judged. */
  flush(): FilledPause[] {
    const found = this.#hold(this.#judge(this.#segmenter.close()), Number.POSITIVE_INFINITY);
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
        relativeDuration: held.relativeDuration + found.relativeDuration,
      };
      return undefined;
    }
    if (found) {
      this.#pending = found;
      return held;
    }
    // Still held while a stretch that began within the gap is running: it may continue this pause.
    const next = this.#segmenter.runningSince ?? Number.POSITIVE_INFINITY;
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
    // The envelope sees the centre of the pitch window.
    const centre = (this.#o.windowSamples - SpectralEnvelope.SIZE) >> 1;
    const e = this.#envelope.measure(this.#buf, centre);
    // Frames at or under the gate never join a stretch: their periodicity and formants stay 0.
    const loud = e.db > this.#o.gateDbfs;
    const [f1, f2] = loud ? this.#formants.measure(this.#buf, centre) : [0, 0];
    const periodicity = loud ? this.#periodicity.measure(this.#buf) : 0;
    const f: FilledPauseFrame = { atMs, hz, periodicity, f1, f2, ...e };
    this.#onFrame?.(f);
    return this.#judge(this.#segmenter.push(f));
  }

  /** Judges a closed stable stretch against the speech before it, then adds it to that context. */
  #judge(s: Segment | undefined): FilledPause | undefined {
    if (!s) return undefined;
    const features = segmentFeatures(s, this.#context.typical(s.startMs), this.#o);
    const yes = judgeSegment(features, this.#o);
    this.#onSegment?.(s, features, yes);
    this.#context.add(s);
    if (!yes) return undefined;
    return {
      startMs: Math.round(s.startMs),
      endMs: Math.round(s.endMs),
      medianHz: features.medianHz,
      pitchSpreadSemitones: features.pitchSpreadSemitones,
      spectralSpreadDb: features.spectralSpreadDb,
      relativeDuration: features.relativeDuration,
    };
  }
}
