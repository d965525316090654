import type { SignalKind } from '@interview-helper/protocol';
import type { AudioFrame } from '@livekit/rtc-node';
import type { Analyser, AnalyserContext, AudioSample, SignalDraft } from '../analysers/analyser.js';
import { round } from './pcm.js';
import { loadSilero, type SileroSettings, SpeechDetector } from './speech.js';

/** Options of {@link VadAnalyser}. */
export interface VadOptions {
  /** Candidate silence (after their last speech, or since the track started) that is a long pause. */
  longPauseSeconds: number;
  /** Segments shorter than this are not reported (clicks, coughs). */
  minSegmentSeconds: number;
  silero: Partial<SileroSettings>;
}

export const defaultVadOptions: VadOptions = { longPauseSeconds: 8, minSegmentSeconds: 0.2, silero: {} };

/**
 * Silero voice activity on the candidate's audio: one `speech-segment` signal per stretch of
 * speech (start/end, duration) and a `long-pause` signal as soon as the candidate has been silent
 * for `longPauseSeconds` (checked every 32 ms of audio, so well within a second of the threshold).
 * Silero's speech start / end also update the session's {@link AnalyserContext.activity}.
 */
export class VadAnalyser implements Analyser<'audio'> {
  readonly name = 'vad';
  readonly media = 'audio' as const;
  readonly emits = ['speech-segment', 'long-pause'] as const satisfies readonly SignalKind[];
  #o: VadOptions;

  constructor(opts: Partial<VadOptions> = {}) {
    this.#o = { ...defaultVadOptions, ...opts };
    if (!(this.#o.longPauseSeconds > 0)) throw new RangeError('longPauseSeconds must be positive');
  }

  async *analyse(samples: AsyncIterable<AudioSample>, ctx: AnalyserContext): AsyncIterable<SignalDraft> {
    try {
      yield* this.#analyse(samples, ctx);
    } finally {
      // a track that ends or fails mid-speech must not leave the candidate "speaking"
      ctx.activity?.speechEnded(ctx.now());
    }
  }

  async *#analyse(samples: AsyncIterable<AudioSample>, ctx: AnalyserContext): AsyncIterable<SignalDraft> {
    const detector = new SpeechDetector(await loadSilero(this.#o.silero));
    // Audio time → wall clock: the first chunk's arrival minus its own length.
    let origin = Number.NaN;
    async function* frames(): AsyncIterable<AudioFrame> {
      for await (const { frame, receivedAt } of samples) {
        if (Number.isNaN(origin)) origin = receivedAt - (frame.samplesPerChannel / frame.sampleRate) * 1000;
        yield frame;
      }
    }
    const wall = (ms: number) => Math.round((Number.isNaN(origin) ? ctx.now() : origin) + ms);
    const threshold = this.#o.longPauseSeconds * 1000;
    let silenceFrom = 0;
    let silenceAfter: 'speech' | 'track-start' = 'track-start';
    let reported = false;
    let segments = 0;
    let speechMs = 0;
    let pauses = 0;
    // a long pause is an episode: start when the silence reaches the threshold, end when speech resumes
    const pause = (phase: 'start' | 'end', fromMs: number, atMs: number): SignalDraft<'long-pause'> => {
      const seconds = (atMs - fromMs) / 1000;
      return {
        kind: 'long-pause',
        range: { start: wall(fromMs), end: wall(atMs) },
        values: {
          phase,
          episodeId: `long-pause-${wall(fromMs)}-${pauses}`,
          durationMs: Math.round(atMs - fromMs),
          silenceSeconds: round(seconds, 2),
          thresholdSeconds: this.#o.longPauseSeconds,
          after: silenceAfter,
        },
        confidence: 0.9,
        summary:
          phase === 'start'
            ? `Candidate silent for ${seconds.toFixed(1)} s`
            : `Candidate spoke again after ${seconds.toFixed(1)} s of silence`,
      };
    };
    for await (const e of detector.run(frames())) {
      if (e.type === 'start') {
        // the pause ends when the candidate speaks again
        if (reported && silenceFrom >= 0) yield pause('end', silenceFrom, e.atMs);
        reported = false;
        silenceFrom = -1;
        ctx.activity?.speechStarted(wall(e.atMs));
      } else if (e.type === 'end') {
        silenceFrom = e.endMs;
        ctx.activity?.speechEnded(wall(e.endMs));
        silenceAfter = 'speech';
        reported = false;
        const seconds = (e.endMs - e.startMs) / 1000;
        if (seconds < this.#o.minSegmentSeconds) continue;
        segments++;
        speechMs += e.endMs - e.startMs;
        yield {
          kind: 'speech-segment',
          range: { start: wall(e.startMs), end: wall(e.endMs) },
          values: {
            startMs: Math.round(e.startMs),
            endMs: Math.round(e.endMs),
            seconds: round(seconds, 3),
            segments,
            speechSeconds: round(speechMs / 1000, 3),
          },
          confidence: 0.9,
          summary: `Candidate spoke for ${seconds.toFixed(1)} s`,
        };
      } else if (silenceFrom >= 0 && !e.speaking && !reported && e.atMs - silenceFrom >= threshold) {
        reported = true;
        pauses++;
        yield pause('start', silenceFrom, e.atMs);
      }
    }
  }
}
