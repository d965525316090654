import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { chunks, concat, librivoxClips, tone } from '../../../test/fixtures/audio.js';
import { readWav } from '../../../test/fixtures/wav.js';
import { loadSilero, SpeechDetector, type SpeechEvent, VAD_WINDOW, WindowChunker } from './speech.js';

describe('SpeechDetector', () => {
  it('cuts segments from the real audio, onset included (no zero-filled padding)', async () => {
    const clip = librivoxClips()[1];
    if (!clip) throw new Error('no clip');
    // Faint hum instead of digital silence, so zero-filled padding would show.
    const pcm = concat(tone(50, 1.5, 0.001), readWav(clip.path));
    const events: SpeechEvent[] = [];
    const frames = (async function* () {
      for await (const c of chunks(pcm)) yield c.frame;
    })();
    for await (const e of new SpeechDetector(await loadSilero()).run(frames))
      if (e.type !== 'tick') events.push(e);
    const end = events.find((e) => e.type === 'end');
    if (end?.type !== 'end' || !end.audio) throw new Error('no segment');
    const from = Math.floor(((end.startMs - 300) * 16000) / 1000);
    expect(end.audio.data.slice(0, 1600)).toEqual(pcm.samples.slice(from, from + 1600));
    expect(end.audio.samplesPerChannel / 16000).toBeGreaterThan((end.endMs - end.startMs) / 1000);
    expect(end.startMs).toBeGreaterThan(1300);
  });
});

describe('SpeechDetector framing', () => {
  it('gives the same events, probabilities included, however the input is framed', async () => {
    const clip = librivoxClips()[2];
    if (!clip) throw new Error('no clip');
    const pcm = concat(tone(50, 1.5, 0.001), readWav(clip.path));
    const run = async (ms: number) => {
      const per = Math.round((pcm.sampleRate * ms) / 1000);
      const frames = (async function* () {
        for (let i = 0; i < pcm.samples.length; i += per) {
          const data = pcm.samples.slice(i, i + per);
          yield new AudioFrame(data, pcm.sampleRate, 1, data.length);
        }
      })();
      const out: SpeechEvent[] = [];
      for await (const e of new SpeechDetector(await loadSilero()).run(frames)) out.push(e);
      return out.map((e) => ({ ...e, audio: e.type === 'end' ? e.audio?.samplesPerChannel : undefined }));
    };
    const tenMs = await run(10);
    expect(tenMs.filter((e) => e.type === 'start').length).toBeGreaterThan(0);
    expect(tenMs.filter((e) => e.type === 'tick').length).toBeGreaterThan(100);
    expect(await run(7)).toEqual(tenMs);
    expect(await run(32)).toEqual(tenMs);
    expect(await run(45)).toEqual(tenMs);
  });
});

describe('WindowChunker', () => {
  const frame = (from: number, n: number) =>
    new AudioFrame(
      Int16Array.from({ length: n }, (_, i) => from + i),
      16000,
      1,
      n,
    );
  it('cuts frames of any length into whole VAD windows, in order, and flushes the rest', () => {
    const c = new WindowChunker();
    const out = [
      ...c.push(frame(0, 160)),
      ...c.push(frame(160, 300)),
      ...c.push(frame(460, 700)),
      ...c.push(frame(1160, 10)),
    ];
    expect(out.map((f) => f.samplesPerChannel)).toEqual([VAD_WINDOW, VAD_WINDOW]);
    expect(out.every((f) => f.data.length === VAD_WINDOW)).toBe(true);
    const samples = out.flatMap((f) => [...f.data]);
    expect(samples).toEqual(Array.from({ length: 2 * VAD_WINDOW }, (_, i) => i));
    const rest = c.flush();
    expect(rest?.samplesPerChannel).toBe(1170 - 2 * VAD_WINDOW);
    expect(rest?.data[0]).toBe(2 * VAD_WINDOW);
    expect(c.flush()).toBeUndefined();
  });
  it('hands out a new buffer per window (a window already pushed is never overwritten)', () => {
    const c = new WindowChunker();
    const [a] = c.push(frame(0, VAD_WINDOW));
    const [b] = c.push(frame(VAD_WINDOW, VAD_WINDOW));
    expect(a?.data[0]).toBe(0);
    expect(b?.data[0]).toBe(VAD_WINDOW);
  });
});
