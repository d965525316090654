import type { SignalKind } from '@interview-helper/protocol';
import type { Analyser, AnalyserContext, AudioSample, SignalDraft } from '../analysers/analyser.js';
import type { AudioDating } from '../analysers/audio-analysis.js';
import { TrackClock } from './track-clock.js';

/** Options of {@link AudioLevelAnalyser}. */
export interface AudioLevelOptions {
  /** Length of one measurement window, in seconds of audio. */
  windowSeconds: number;
}

export const defaultAudioLevelOptions: AudioLevelOptions = { windowSeconds: 2 };

/** Full scale of 16-bit PCM. */
const FULL_SCALE = 32768;
/** Floor reported for digital silence. */
const SILENCE_DBFS = -120;

function toDbfs(amplitude: number): number {
  return amplitude > 0 ? Math.max(SILENCE_DBFS, 20 * Math.log10(amplitude / FULL_SCALE)) : SILENCE_DBFS;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/**
 * Measures the candidate's audio level: RMS and peak in dBFS per window of audio, plus how much
 * audio has been decoded so far. Proves audio flows and feeds later loudness analysis.
 *
 * A window's range is the wall-clock time of its audio, dated by the session's front end
 * (`analysis.dating`) or, on raw audio, by a {@link TrackClock} over the chunks' read times (windows
 * of raw audio go out once that origin has settled), so a late or bursty read shifts no window and
 * a window after lost audio is dated after the gap. `firstSampleAt` is the time the first chunk was read.
 */
export class AudioLevelAnalyser implements Analyser<'audio'> {
  readonly name = 'audio-level';
  readonly media = 'audio' as const;
  readonly emits = ['audio-level'] as const satisfies readonly SignalKind[];
  #opts: AudioLevelOptions;

  constructor(opts: Partial<AudioLevelOptions> = {}) {
    this.#opts = { ...defaultAudioLevelOptions, ...opts };
    if (!(this.#opts.windowSeconds > 0)) throw new RangeError('windowSeconds must be positive');
  }

  async *analyse(samples: AsyncIterable<AudioSample>, _ctx: AnalyserContext): AsyncIterable<SignalDraft> {
    let sumSquares = 0;
    let peak = 0;
    let windowSamples = 0;
    let windowStartMs = 0;
    let audioMs = 0;
    const clock = new TrackClock();
    /** The front end's dating when the samples carry it, else this track's own clock. */
    let dating: AudioDating = clock;
    let totalSamples = 0;
    let sampleRate = 0;
    let channels = 0;
    let firstAt = 0;
    /** Measured windows waiting for the origin of raw audio to settle, with their audio times. */
    const pending: { startMs: number; endMs: number; draft: SignalDraft }[] = [];
    const ready = function* (): Generator<SignalDraft> {
      for (const { startMs, endMs, draft } of pending.splice(0)) {
        const start = Math.round(dating.wallAt(startMs));
        yield { ...draft, range: { start, end: Math.max(start, Math.round(dating.wallAt(endMs))) } };
      }
    };

    const flush = (): void => {
      const rms = Math.sqrt(sumSquares / Math.max(1, windowSamples * channels));
      const seconds = windowSamples / sampleRate;
      const rmsDbfs = round(toDbfs(rms));
      const draft: SignalDraft = {
        kind: 'audio-level',
        range: { start: 0, end: 0 },
        values: {
          rmsDbfs,
          peakDbfs: round(toDbfs(peak)),
          windowSeconds: round(seconds, 3),
          totalSeconds: round(totalSamples / sampleRate, 3),
          sampleRate,
          channels,
          firstSampleAt: firstAt,
        },
        confidence: 1,
        summary: `Audio level ${rmsDbfs} dBFS RMS over ${seconds.toFixed(1)} s`,
      };
      pending.push({ startMs: windowStartMs, endMs: audioMs, draft });
      sumSquares = 0;
      peak = 0;
      windowSamples = 0;
    };

    for await (const { frame, receivedAt, analysis } of samples) {
      if (frame.sampleRate !== sampleRate || frame.channels !== channels) {
        if (windowSamples > 0) flush();
        sampleRate = frame.sampleRate;
        channels = frame.channels;
      }
      // Audio time of the chunk's start, then the clock that dates it.
      const atMs = analysis ? analysis.atMs : audioMs;
      const endMs = atMs + (frame.samplesPerChannel / frame.sampleRate) * 1000;
      if (analysis) dating = analysis.dating;
      else clock.observe(receivedAt, endMs);
      if (windowSamples === 0) windowStartMs = atMs;
      audioMs = endMs;
      if (totalSamples === 0) firstAt = receivedAt;
      const data = frame.data;
      for (let i = 0; i < data.length; i++) {
        const s = data[i] as number;
        sumSquares += s * s;
        const a = s < 0 ? -s : s;
        if (a > peak) peak = a;
      }
      windowSamples += frame.samplesPerChannel;
      totalSamples += frame.samplesPerChannel;
      if (windowSamples >= this.#opts.windowSeconds * sampleRate) flush();
      if (analysis || clock.settled) yield* ready();
    }
    if (windowSamples > 0) flush();
    yield* ready();
  }
}
