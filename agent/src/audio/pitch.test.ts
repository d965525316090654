import { describe, expect, it } from 'vitest';
import { chunks, concat, espeak, reformat, silence, tone } from '../../../test/fixtures/audio.js';
import { collect, testContext } from '../analysers/testing.js';
import { median } from './pcm.js';
import { PitchAnalyser, PitchTracker, semitoneSpread } from './pitch.js';

const ctx = testContext('audio', 0);

const medianPitch = (samples: Int16Array) => median(new PitchTracker().push(samples).map((p) => p.hz));

describe('PitchTracker', () => {
  it.each([80, 110, 150, 220, 330])('measures a %i Hz tone within 2 %', (hz) => {
    expect(Math.abs(medianPitch(tone(hz, 1).samples) / hz - 1)).toBeLessThan(0.02);
  });

  it.each([90, 120, 180])('measures a flat espeak-ng voice at %i Hz within 2 %', (hz) => {
    const voice = espeak('Tell me about a project you are proud of.', { pitchHz: hz });
    expect(Math.abs(medianPitch(voice.samples) / hz - 1)).toBeLessThan(0.02);
  });

  it('gives no pitch for silence or quiet noise', () => {
    expect(new PitchTracker().push(silence(1).samples)).toHaveLength(0);
    const noise = new Int16Array(16000).map(() => Math.round((Math.random() - 0.5) * 200));
    expect(new PitchTracker().push(noise)).toHaveLength(0);
  });
});

describe('PitchAnalyser', () => {
  it('flags a flat voice as monotone and a varied one as not', async () => {
    const flat = espeak('I worked on the billing system and I built the export job and the retry queue.', {
      pitchHz: 120,
    });
    const flatSignals = await collect(new PitchAnalyser({ minVoicedSeconds: 1 }).analyse(chunks(flat), ctx));
    expect(flatSignals.some((s) => s.kind === 'monotone')).toBe(true);
    const glide = concat(tone(110, 1), tone(140, 1), tone(180, 1), tone(130, 1));
    expect(semitoneSpread([110, 140, 180, 130])).toBeGreaterThan(2);
    const glideSignals = await collect(
      new PitchAnalyser({ windowSeconds: 4, minVoicedSeconds: 1 }).analyse(chunks(glide), ctx),
    );
    expect(glideSignals.filter((s) => s.kind === 'pitch')).toHaveLength(1);
    expect(glideSignals.some((s) => s.kind === 'monotone')).toBe(false);
  });

  it('measures 8 kHz and 48 kHz stereo input like 16 kHz mono', async () => {
    for (const [rate, channels] of [
      [8000, 1],
      [48000, 2],
    ] as const) {
      const input = reformat(tone(150, 3), rate, channels);
      const [pitch] = await collect(new PitchAnalyser({ minVoicedSeconds: 1 }).analyse(chunks(input), ctx));
      expect(Math.abs((pitch?.values.medianHz as number) / 150 - 1)).toBeLessThan(0.02);
    }
  });

  it('judges nothing on silence only', async () => {
    expect(await collect(new PitchAnalyser().analyse(chunks(silence(10)), ctx))).toEqual([]);
  });
});
