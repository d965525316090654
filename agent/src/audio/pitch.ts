import type { SignalKind } from '@interview-helper/protocol';
import type { Analyser, AnalyserContext, AudioSample, SignalDraft } from '../analysers/analyser.js';
import type { AudioDating } from '../analysers/audio-analysis.js';
import { analysedAudio } from './front-end.js';
import { ANALYSIS_RATE, median, round } from './pcm.js';
import { defaultPitchOptions, type PitchOptions, type PitchPoint, semitoneSpread } from './pitch-track.js';

export {
  defaultPitchOptions,
  type PitchOptions,
  type PitchPoint,
  PitchTracker,
  semitoneSpread,
} from './pitch-track.js';

/**
 * The candidate's voice pitch: per window of audio the median fundamental and its spread in
 * semitones (`pitch` signal), and a `monotone` signal when the spread stays under the threshold.
 * Reads the YIN pitch track the session's audio front end computes once per track (delivery's
 * filled-pause detector reads the same one).
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
    const hopSeconds = this.#o.hopSamples / ANALYSIS_RATE;
    let dating: AudioDating | undefined; // the front end's, refined with every chunk
    let audioMs = 0;
    let windowStartMs = 0;
    let points: PitchPoint[] = [];
    const wall = (ms: number) => Math.round(dating ? dating.wallAt(ms) : ctx.now() + ms);
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
    for await (const { frame, analysis } of analysedAudio(samples, { pitch: this.#o })) {
      if (!analysis) continue;
      dating = analysis.dating;
      points.push(...analysis.pitch);
      audioMs = analysis.atMs + (frame.samplesPerChannel / ANALYSIS_RATE) * 1000;
      if (audioMs - windowStartMs >= this.#o.windowSeconds * 1000) yield* judge(audioMs);
    }
    if (audioMs > windowStartMs) yield* judge(audioMs);
  }
}
