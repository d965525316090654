import { type AudioBuffer, stt } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { chunks, concat, espeak, silence } from '../../../test/fixtures/audio.js';
import type { AudioSample } from '../analysers/analyser.js';
import { AudioFrontEnd } from '../audio/front-end.js';
import { loadSilero } from '../audio/speech.js';
import { SessionBus } from '../bus/session-bus.js';
import { sttSegments } from './segments.js';
import { SpeakerTranscriber, STT_VAD_SETTINGS, type TranscriptSegment } from './transcriber.js';
import { ChunkedTranscription } from './transcriber-chunked.js';

/** A batch STT that answers each request with the request's length in ms ("2000ms"), or fails on demand. */
class LengthSTT extends stt.STT {
  label = 'length';
  requests: number[] = [];
  failOn = new Set<number>();
  constructor() {
    super({ streaming: false, interimResults: false });
  }
  protected async _recognize(buffer: AudioBuffer): Promise<stt.SpeechEvent> {
    const frames = Array.isArray(buffer) ? buffer : [buffer];
    const ms = Math.round(frames.reduce((n, f) => n + (f.samplesPerChannel / f.sampleRate) * 1000, 0));
    this.requests.push(ms);
    if (this.failOn.has(this.requests.length)) throw new Error('recognizer failed');
    return {
      type: stt.SpeechEventType.FINAL_TRANSCRIPT,
      alternatives: [
        {
          text: `${ms}ms`,
          language: 'en' as stt.SpeechData['language'],
          startTime: 0,
          endTime: 0,
          confidence: 1,
        },
      ],
    };
  }
  stream(): stt.SpeechStream {
    throw new Error('no stream');
  }
}

/** Pushes `ms` of 16 kHz audio in 20 ms frames. */
function speak(t: ChunkedTranscription, ms: number) {
  for (let i = 0; i < ms / 20; i++) t.push(new AudioFrame(new Int16Array(320), 16000, 1, 320));
}

const never = new AbortController().signal;

describe('ChunkedTranscription', () => {
  it('decodes at pauses, commits in order, and decodes no tail when nothing was said after the last pause', async () => {
    const s = new LengthSTT();
    const t = new ChunkedTranscription(s, { provisionalEveryMs: 0 });
    speak(t, 2000);
    t.pause(1900); // chunk 1: 0..2050 ms (150 ms after the pause starts; only 2000 ms were pushed)
    speak(t, 400);
    t.resume();
    speak(t, 1000);
    t.pause(1000 + 2400); // too soon after the last cut (< 1.5 s): no chunk
    speak(t, 1000);
    t.pause(4200); // chunk 2: 2000..4350
    speak(t, 300); // silence after the pause: the VAD ends the segment without speech resuming
    const final = await t.finish(never);
    expect(s.requests).toEqual([2000, 2350]);
    expect(final.text).toBe('2000ms 2350ms');
  });

  it('decodes the tail when the speaker spoke again, and fails the segment when a chunk fails', async () => {
    const s = new LengthSTT();
    const t = new ChunkedTranscription(s, { provisionalEveryMs: 0 });
    speak(t, 2000);
    t.pause(1800);
    speak(t, 200);
    t.resume();
    speak(t, 800);
    expect(await t.finish(never)).toEqual({ text: '1950ms 1050ms' });

    const failing = new LengthSTT();
    failing.failOn.add(1);
    const u = new ChunkedTranscription(failing, { provisionalEveryMs: 0 });
    speak(u, 2000);
    u.pause(1800);
    speak(u, 1000);
    u.resume();
    await expect(u.finish(never)).rejects.toThrow('recognizer failed');
  });

  it('shows a provisional decode of long speech without a pause as interim text, never in the final', async () => {
    const s = new LengthSTT();
    const t = new ChunkedTranscription(s, { provisionalEveryMs: 1000 });
    speak(t, 1000);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.partial).toBe('1000ms');
    speak(t, 500);
    expect(await t.finish(never)).toEqual({ text: '1500ms' });
    expect(s.requests).toEqual([1000, 1500]);
  });
});

describe('chunked decoding from the session front end', () => {
  it('cuts a chunk at a short pause the front end reports, inside one STT segment', async () => {
    const speaker = { identity: 'cam', role: 'candidate' as const, trackSid: 'TR_c' };
    const bus = new SessionBus();
    const pcm = concat(
      silence(0.5),
      espeak('I would start with a hash map keyed by the user id.'),
      silence(0.35), // shorter than the STT silence: the same segment, but a pause for chunking
      espeak('Then I would sort the values by time.'),
      silence(1.5),
    );
    const samples: AudioSample[] = [];
    await new AudioFrontEnd({ speaker, bus, vad: await loadSilero() }).run(chunks(pcm, 1_000_000), (a) =>
      samples.push(a),
    );
    async function* replay() {
      yield* samples;
    }
    const s = new LengthSTT();
    const got: TranscriptSegment[] = [];
    const minSilenceMs = STT_VAD_SETTINGS.minSilenceDuration ?? 800;
    // No VAD of its own: the speech events (and the ticks' speech probability) come with the chunks.
    await new SpeakerTranscriber({
      speaker,
      stt: s,
      mode: 'realtime',
      onSegment: async (seg) => {
        got.push(seg);
      },
    }).run(sttSegments(replay(), { minSilenceMs }));
    expect(got).toHaveLength(1);
    expect(got[0]?.status).toBe('ok');
    // The first sentence was decoded at the pause, the second when the segment ended: two chunks.
    expect(s.requests).toHaveLength(2);
    expect(got[0]?.text).toBe(s.requests.map((ms) => `${ms}ms`).join(' '));
    expect(s.requests.reduce((a, b) => a + b, 0)).toBeGreaterThan(3000);
  });

  it('cuts long speech without a pause at a gap between words, so little is left to decode when it ends', async () => {
    const speaker = { identity: 'cam', role: 'candidate' as const, trackSid: 'TR_c' };
    const pcm = concat(
      silence(0.5),
      espeak(
        'I would keep a hash map from each user id to the list of their recent events and then walk that list once ' +
          'to find the longest run of events that are less than five minutes apart from each other',
      ),
      silence(1.5),
    );
    const samples: AudioSample[] = [];
    await new AudioFrontEnd({ speaker, bus: new SessionBus(), vad: await loadSilero() }).run(
      chunks(pcm, 1_000_000),
      (a) => samples.push(a),
    );
    const decode = async (options: { longChunkMs?: number }) => {
      const s = new LengthSTT();
      const got: TranscriptSegment[] = [];
      async function* replay() {
        yield* samples;
      }
      await new SpeakerTranscriber({
        speaker,
        stt: s,
        mode: 'realtime',
        options,
        onSegment: async (seg) => {
          got.push(seg);
        },
      }).run(sttSegments(replay(), { minSilenceMs: 600 }));
      expect(got).toHaveLength(1);
      return s.requests;
    };
    const whole = await decode({ longChunkMs: 0 });
    const cut = await decode({});
    // Requests: the interim-only decodes of the growing audio, then the final's. Without the short-pause rule the
    // whole answer is decoded when it ends; with it, only what followed the last gap between words.
    const end = whole.at(-1) as number;
    expect(end).toBeGreaterThan(8000);
    expect(cut.at(-1)).toBeLessThan(0.6 * end);
  });
});
