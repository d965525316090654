import { YIN } from 'pitchfinder';
import { describe, expect, it } from 'vitest';
import { concat, librivoxClips, tone } from '../../../test/fixtures/audio.js';
import { readWav } from '../../../test/fixtures/wav.js';
import { YinEstimator } from './pitch-yin.js';

/** Windows of `samples` (−1..1) every `hop` samples. */
function windows(samples: Int16Array, size: number, hop: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i + size <= samples.length; i += hop)
    out.push(Float32Array.from(samples.subarray(i, i + size), (v) => v / 32768));
  return out;
}

describe('YinEstimator', () => {
  it("gives pitchfinder's YIN results to the bit on real speech, tones and noise", () => {
    const [clip] = librivoxClips();
    const speech = readWav(clip?.path as string).samples;
    let seed = 1;
    const noise = new Int16Array(8000).map(() => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.round((seed / 2 ** 31 - 0.5) * 20000);
    });
    const audio = concat(tone(70, 0.3), tone(150, 0.3), tone(480, 0.3), tone(1200, 0.3)).samples;
    for (const [size, threshold] of [
      [1024, 0.15],
      [1000, 0.1],
      [512, 0.15],
    ] as const) {
      const reference = YIN({ sampleRate: 16000, threshold });
      const ours = new YinEstimator(size, 16000, threshold);
      let found = 0;
      let total = 0;
      for (const w of [
        ...windows(speech, size, 320),
        ...windows(noise, size, 997),
        ...windows(audio, size, 640),
      ]) {
        const expected = reference(w);
        expect(ours.estimate(w)).toBe(expected);
        total++;
        if (expected !== null) found++;
      }
      // both outcomes covered: voiced windows and windows without a pitch
      expect(found).toBeGreaterThan(total / 4);
      expect(found).toBeLessThan(total);
    }
  });

  it('refuses windows too short to compare two lags', () => {
    expect(() => new YinEstimator(8, 16000)).toThrow(RangeError);
  });
});
