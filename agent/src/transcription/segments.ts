import { AudioFrame } from '@livekit/rtc-node';
import type { AudioSample } from '../analysers/analyser.js';
import { ANALYSIS_RATE } from '../audio/pcm.js';
import { AudioHistory, HISTORY_SECONDS, type SpeechEvent } from '../audio/speech.js';

/** Options of {@link sttSegments}. */
export interface SttSegmentOptions {
  /**
   * Silence that ends a transcription segment, in ms. Speech segments of the session's voice
   * activity closer than this are transcribed together, so sentences stay whole.
   */
  minSilenceMs: number;
}

export const defaultSttSegmentOptions: SttSegmentOptions = { minSilenceMs: 800 };

/**
 * The front end's analysed chunks of one track with its speech segments regrouped for speech-to-text:
 * segments separated by less than `minSilenceMs` become one (cut from the track's recent audio),
 * ended once the silence after it reaches `minSilenceMs` of audio. Chunks and ticks pass through.
 */
export async function* sttSegments(
  samples: AsyncIterable<AudioSample>,
  opts: Partial<SttSegmentOptions> = {},
): AsyncGenerator<AudioSample> {
  const o = { ...defaultSttSegmentOptions, ...opts };
  const history = new AudioHistory(HISTORY_SECONDS * ANALYSIS_RATE);
  let open: number | undefined; // start of the group being spoken or held
  let held: { startMs: number; endMs: number } | undefined; // a group that ended, maybe not for good
  const close = (): SpeechEvent | undefined => {
    if (!held) return undefined;
    const { startMs, endMs } = held;
    held = undefined;
    open = undefined;
    return { type: 'end', startMs, endMs, audio: history.slice(startMs, endMs) };
  };
  let previous: AudioSample | undefined;
  for await (const sample of samples) {
    previous = sample;
    const a = sample.analysis;
    if (!a) {
      yield sample;
      continue;
    }
    if (sample.frame.samplesPerChannel > 0)
      history.push(Math.round((a.atMs * ANALYSIS_RATE) / 1000), sample.frame.data);
    const out: SpeechEvent[] = [];
    for (const e of a.speech) {
      if (e.type === 'start') {
        if (held && e.atMs - held.endMs < o.minSilenceMs) {
          held = undefined; // the same sentence goes on
          continue;
        }
        const ended = close();
        if (ended) out.push(ended);
        open = e.atMs;
        out.push(e);
      } else if (e.type === 'end') {
        held = { startMs: open ?? e.startMs, endMs: e.endMs };
      } else {
        if (held && e.atMs - held.endMs >= o.minSilenceMs) {
          const ended = close();
          if (ended) out.push(ended);
        }
        out.push(e);
      }
    }
    yield { ...sample, analysis: { ...a, speech: out } };
  }
  const last = close();
  if (last && previous?.analysis)
    yield {
      frame: new AudioFrame(new Int16Array(0), ANALYSIS_RATE, 1, 0),
      receivedAt: previous.receivedAt,
      analysis: { ...previous.analysis, pitch: [], speech: [last], answers: [] },
    };
}
