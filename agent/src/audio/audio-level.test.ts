import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { chunks, tone } from '../../../test/fixtures/audio.js';
import type { AudioSample } from '../analysers/analyser.js';
import { collect, testContext } from '../analysers/testing.js';
import { SessionBus } from '../bus/session-bus.js';
import { AudioLevelAnalyser } from './audio-level.js';
import { AudioFrontEnd } from './front-end.js';

const ctx = testContext('audio', 10_000);

/** 10 ms chunks of a sine at `amplitude` (0..1 of full scale). */
async function* sine(seconds: number, amplitude: number, rate = 16000): AsyncIterable<AudioSample> {
  const per = rate / 100;
  for (let c = 0; c < seconds * 100; c++) {
    const data = new Int16Array(per);
    for (let i = 0; i < per; i++) {
      data[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * 440 * (c * per + i)) / rate));
    }
    yield { frame: new AudioFrame(data, rate, 1, per), receivedAt: 1000 + (c + 1) * 10 };
  }
}

describe('AudioLevelAnalyser', () => {
  it('reports the RMS and peak of a sine within 0.1 dB, one signal per window', async () => {
    const signals = await collect(new AudioLevelAnalyser({ windowSeconds: 1 }).analyse(sine(3, 0.5), ctx));
    expect(signals).toHaveLength(3);
    for (const s of signals) {
      expect(s.values.rmsDbfs).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 1);
      expect(s.values.peakDbfs).toBeCloseTo(20 * Math.log10(0.5), 1);
      expect(s.values.windowSeconds).toBe(1);
    }
    expect(signals.at(-1)?.values.totalSeconds).toBe(3);
    expect(signals[0]?.range).toEqual({ start: 1000, end: 2000 });
  });

  it('times windows by their audio, not by when a late first read happened', async () => {
    // Busy until 1.5 s after the track started: the first 150 chunks are all read at 2500, the rest as they come.
    async function* late(): AsyncIterable<AudioSample> {
      for await (const s of sine(3, 0.5)) yield { ...s, receivedAt: Math.max(s.receivedAt, 2500) };
    }
    const signals = await collect(new AudioLevelAnalyser({ windowSeconds: 1 }).analyse(late(), ctx));
    expect(signals.map((s) => s.range)).toEqual([
      { start: 1000, end: 2000 },
      { start: 2000, end: 3000 },
      { start: 3000, end: 4000 },
    ]);
    expect(signals[0]?.values.firstSampleAt).toBe(2500);
  });

  it("uses the front end's origin on analysed audio", async () => {
    const bus = new SessionBus();
    const analysed: AudioSample[] = [];
    async function* late() {
      for await (const c of chunks(tone(220, 2.5), 1_000_000))
        yield { ...c, receivedAt: Math.max(c.receivedAt, 1_002_000) };
    }
    await new AudioFrontEnd({
      speaker: { identity: 'c', role: 'candidate', trackSid: 'TR' },
      bus,
      pitch: false,
    }).run(late(), (s) => analysed.push(s));
    async function* again() {
      yield* analysed;
    }
    const signals = await collect(new AudioLevelAnalyser({ windowSeconds: 1 }).analyse(again(), ctx));
    expect(signals.map((s) => s.range)).toEqual([
      { start: 1_000_000, end: 1_001_000 },
      { start: 1_001_000, end: 1_002_000 },
      { start: 1_002_000, end: 1_002_500 },
    ]);
  });

  it('reports digital silence at the floor and flushes a partial window at the end', async () => {
    const signals = await collect(new AudioLevelAnalyser({ windowSeconds: 2 }).analyse(sine(0.5, 0), ctx));
    expect(signals).toHaveLength(1);
    expect(signals[0]?.values.rmsDbfs).toBe(-120);
    expect(signals[0]?.values.windowSeconds).toBe(0.5);
  });

  it('starts a new window when the sample rate changes', async () => {
    async function* mixed(): AsyncIterable<AudioSample> {
      yield* sine(0.3, 0.25, 16000);
      yield* sine(0.3, 0.25, 48000);
    }
    const signals = await collect(new AudioLevelAnalyser({ windowSeconds: 5 }).analyse(mixed(), ctx));
    expect(signals.map((s) => s.values.sampleRate)).toEqual([16000, 48000]);
  });

  it('rejects a non-positive window', () => {
    expect(() => new AudioLevelAnalyser({ windowSeconds: 0 })).toThrow(RangeError);
  });
});
