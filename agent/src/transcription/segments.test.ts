import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import type { AudioSample } from '../analysers/analyser.js';
import type { SpeechEvent } from '../audio/speech.js';
import { sttSegments } from './segments.js';

/** 10 ms chunks of a ramp (sample i has value i mod 30 000), with the given events on given chunks. */
async function* track(ms: number, events: Map<number, SpeechEvent[]>): AsyncGenerator<AudioSample> {
  for (let c = 0; c < ms / 10; c++) {
    const data = new Int16Array(160).map((_, i) => (c * 160 + i) % 30_000);
    yield {
      frame: new AudioFrame(data, 16000, 1, 160),
      receivedAt: 1_000_000 + c * 10,
      analysis: {
        atMs: c * 10,
        dating: { wallAt: (ms) => 999_990 + ms },
        pitch: [],
        speech: events.get(c * 10) ?? [],
        answers: [],
      },
    };
  }
}

const ticks = (from: number, to: number) => {
  const m = new Map<number, SpeechEvent[]>();
  for (let at = from; at <= to; at += 30)
    m.set(at, [{ type: 'tick', atMs: at, speaking: false, probability: 0 }]);
  return m;
};

async function ends(input: AsyncIterable<AudioSample>) {
  const out: SpeechEvent[] = [];
  for await (const s of input) out.push(...(s.analysis?.speech ?? []).filter((e) => e.type !== 'tick'));
  return out;
}

describe('sttSegments', () => {
  it('joins speech segments closer than the STT silence, and cuts the whole group from the track', async () => {
    const events = ticks(0, 5000);
    events.set(100, [{ type: 'start', atMs: 100 }]);
    events.set(1200, [{ type: 'end', startMs: 100, endMs: 1000, audio: undefined }]);
    events.set(1500, [{ type: 'start', atMs: 1500 }]); // 500 ms gap: the same sentence
    events.set(2600, [{ type: 'end', startMs: 1500, endMs: 2000, audio: undefined }]);
    events.set(3500, [{ type: 'start', atMs: 3500 }]); // 1.5 s gap: a new segment
    events.set(4400, [{ type: 'end', startMs: 3500, endMs: 4000, audio: undefined }]);
    const out = await ends(sttSegments(track(5000, events), { minSilenceMs: 800 }));
    expect(
      out.map((e) => (e.type === 'end' ? `end ${e.startMs}-${e.endMs}` : `${e.type} ${e.atMs}`)),
    ).toEqual(['start 100', 'end 100-2000', 'start 3500', 'end 3500-4000']);
    const first = out[1];
    if (first?.type !== 'end' || !first.audio) throw new Error('no audio');
    // Cut from the track (300 ms before, 200 ms after), sample-exact.
    expect(first.audio.samplesPerChannel).toBe(((2000 + 200) * 16000) / 1000);
    expect(first.audio.data[0]).toBe(0);
    expect(first.audio.data[16000]).toBe(16000);
  });

  it('closes a group still held when the audio ends', async () => {
    const events = ticks(0, 1500);
    events.set(100, [{ type: 'start', atMs: 100 }]);
    events.set(1400, [{ type: 'end', startMs: 100, endMs: 1000, audio: undefined }]);
    const out = await ends(sttSegments(track(1500, events)));
    expect(out.map((e) => e.type)).toEqual(['start', 'end']);
  });
});
