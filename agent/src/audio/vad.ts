import type { SignalKind } from '@interview-helper/protocol';
import type { Analyser, AnalyserContext, AudioSample, SignalDraft } from '../analysers/analyser.js';
import { analysedAudio } from './front-end.js';
import { round } from './pcm.js';
import { loadSilero, type SileroSettings } from './speech.js';

/** Options of {@link VadAnalyser}. */
export interface VadOptions {
  /** Segments shorter than this are not reported (clicks, coughs). */
  minSegmentSeconds: number;
  /** Silero settings, used only when the audio does not come from the session's front end. */
  silero: Partial<SileroSettings>;
}

export const defaultVadOptions: VadOptions = { minSegmentSeconds: 0.2, silero: {} };

/**
 * The candidate's speech segments: one `speech-segment` signal per stretch of speech (start/end,
 * duration), from the Silero voice activity the session's audio front end computes once per track.
 * Long pauses come from the session's turn model, which reads the same voice activity.
 */
export class VadAnalyser implements Analyser<'audio'> {
  readonly name = 'vad';
  readonly media = 'audio' as const;
  readonly emits = ['speech-segment', 'long-pause'] as const satisfies readonly SignalKind[];
  #o: VadOptions;

  constructor(opts: Partial<VadOptions> = {}) {
    this.#o = { ...defaultVadOptions, ...opts };
  }

  async *analyse(samples: AsyncIterable<AudioSample>, ctx: AnalyserContext): AsyncIterable<SignalDraft> {
    const input = analysedAudio(samples, { vad: await loadSilero(this.#o.silero) });
    let segments = 0;
    let speechMs = 0;
    for await (const { analysis } of input) {
      if (!analysis) continue;
      const wall = (ms: number) => {
        const at = analysis.dating.wallAt(ms);
        return Math.round(Number.isNaN(at) ? ctx.now() + ms : at);
      };
      for (const e of analysis.speech) {
        if (e.type !== 'end') continue;
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
      }
    }
  }
}
