import { describe, expect, it } from 'vitest';
import { chunks, espeak, librivoxClips, reformat, silence } from '../../../test/fixtures/audio.js';
import { readWav } from '../../../test/fixtures/wav.js';
import { type CheckedDraft, collect, testContext } from '../analysers/testing.js';
import { VadAnalyser } from './vad.js';

const ctx = testContext('audio', 0);

describe('VadAnalyser', () => {
  it('finds the speech of a LibriVox clip and reports it in wall-clock time', async () => {
    const clip = librivoxClips()[0];
    if (!clip) throw new Error('no LibriVox clip');
    const pcm = readWav(clip.path);
    const signals = await collect(new VadAnalyser().analyse(chunks(pcm, 1_000_000), ctx));
    const segments = signals.filter((s) => s.kind === 'speech-segment');
    expect(segments.length).toBeGreaterThanOrEqual(1);
    const speech = segments.reduce((n, s) => n + (s.values.seconds as number), 0);
    const seconds = pcm.samples.length / pcm.sampleRate;
    expect(speech).toBeGreaterThan(seconds * 0.6);
    expect(speech).toBeLessThanOrEqual(seconds);
    expect(segments[0]?.range.start).toBeGreaterThanOrEqual(1_000_000);
  });

  it('handles silence only, 8/48 kHz and stereo input', async () => {
    expect(await collect(new VadAnalyser().analyse(chunks(silence(3)), ctx))).toEqual([]);
    const answer = espeak('Hello, I am ready for the interview.');
    const speechOf = (signals: CheckedDraft[]) =>
      signals
        .filter((s) => s.kind === 'speech-segment')
        .reduce((n, s) => n + (s.values.seconds as number), 0);
    const reference = speechOf(await collect(new VadAnalyser().analyse(chunks(answer), ctx)));
    expect(reference).toBeGreaterThan(1);
    for (const [rate, channels] of [
      [8000, 1],
      [48000, 2],
    ] as const) {
      const signals = await collect(new VadAnalyser().analyse(chunks(reformat(answer, rate, channels)), ctx));
      expect(Math.abs(speechOf(signals) - reference)).toBeLessThan(0.3);
    }
  });
});
