import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { chunks, concat, librivoxClips, tone } from '../../../test/fixtures/audio.js';
import { readWav } from '../../../test/fixtures/wav.js';
import type { VoiceActivityModel } from './silero.js';
import {
  type DetectorEvent,
  loadSilero,
  SpeechDetector,
  type SpeechEvent,
  type VoiceActivitySkip,
} from './speech.js';
import { StallingVad } from './testing.js';

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
      if (e.type !== 'tick' && e.type !== 'skipped') events.push(e);
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
      const out: DetectorEvent[] = [];
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

describe('SpeechDetector behind the audio', () => {
  const clips = librivoxClips();
  const pcm = () => {
    const [a, b] = [clips[1], clips[2]];
    if (!a || !b) throw new Error('no clips');
    return concat(
      tone(50, 2, 0.001),
      readWav(a.path),
      tone(50, 1.5, 0.001),
      readWav(b.path),
      tone(50, 2, 0.001),
    );
  };
  /** Runs the detector on `audio` fed in 32 ms frames at real-time pace on a fake clock. */
  const run = async (vad: VoiceActivityModel, scored: () => Promise<void>, maxBacklogMs: number) => {
    const audio = pcm();
    let now = 0;
    const frames = (async function* () {
      const per = 512;
      for (let i = 0; i < audio.samples.length; i += per) {
        await scored();
        now = (i / 16000) * 1000;
        const data = audio.samples.slice(i, i + per);
        yield new AudioFrame(data, 16000, 1, data.length);
      }
    })();
    const out: DetectorEvent[] = [];
    for await (const e of new SpeechDetector(vad, { maxBacklogMs, now: () => now }).run(frames)) out.push(e);
    return out;
  };

  it('skips what waits too long, ends the open segment there and goes on with the present audio', async () => {
    const silero = await loadSilero();
    const keepingUp = new StallingVad(silero, 1e9); // results keep pace with the audio: nothing to skip
    const reference = await run(keepingUp, () => keepingUp.scored(), 2000);
    expect(reference.some((e) => e.type === 'skipped')).toBe(false);
    const refSegments = reference.filter((e) => e.type === 'end');
    expect(refSegments.length).toBeGreaterThanOrEqual(2);

    const stalling = new StallingVad(silero, 3000);
    const events = await run(stalling, () => stalling.scored(), 2000);
    const skips = events.filter((e) => e.type === 'skipped');
    expect(skips).toHaveLength(1);
    const skip = skips[0] as VoiceActivitySkip;
    // results stopped after 3 s of audio; the first window without one had waited 2 s when the audio was at ~5 s
    expect(skip.fromMs).toBeGreaterThan(2900);
    expect(skip.fromMs).toBeLessThanOrEqual(3000);
    expect(skip.toMs).toBeGreaterThan(4950);
    expect(skip.toMs).toBeLessThan(5100);
    expect(stalling.streams).toBe(2);
    const at = events.indexOf(skip);
    // the segment open at 3 s (speech from ~2 s) ends where the results stopped, just before the skip
    const cut = events[at - 1];
    expect(cut?.type).toBe('end');
    if (cut?.type !== 'end') throw new Error('no cut');
    expect(cut.startMs).toBeLessThan(2500);
    expect(cut.endMs).toBe(skip.fromMs);
    expect(cut.audio?.samplesPerChannel).toBeGreaterThan(16000);
    // nothing inside the skipped stretch; every later event is about audio after it
    const times = (e: DetectorEvent) =>
      e.type === 'end' ? [e.startMs, e.endMs] : e.type === 'skipped' ? [] : [e.atMs];
    for (const e of events.slice(0, at)) for (const t of times(e)) expect(t).toBeLessThanOrEqual(skip.fromMs);
    for (const e of events.slice(at + 1))
      for (const t of times(e)) expect(t).toBeGreaterThanOrEqual(skip.toMs);
    expect(events.slice(at + 1).filter((e) => e.type === 'tick').length).toBeGreaterThan(100);
    // the second clip's segment is found where the reference found it
    const last = events.filter((e) => e.type === 'end').at(-1);
    const refLast = refSegments.at(-1);
    if (last?.type !== 'end' || refLast?.type !== 'end') throw new Error('no last segment');
    expect(Math.abs(last.startMs - refLast.startMs)).toBeLessThan(100);
    expect(Math.abs(last.endMs - refLast.endMs)).toBeLessThan(200);
  });

  it('never skips without a bound, however long the results wait', async () => {
    const stalling = new StallingVad(await loadSilero(), 1e9);
    const events = await run(stalling, () => stalling.scored(), Number.POSITIVE_INFINITY);
    expect(events.some((e) => e.type === 'skipped')).toBe(false);
    expect(stalling.streams).toBe(1);
  });
});
