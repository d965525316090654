import { describe, expect, it } from 'vitest';
import {
  chunks,
  concat,
  espeak,
  librivoxClips,
  reformat,
  scriptedFillerAnswer,
  silence,
} from '../../../test/fixtures/audio.js';
import { readWav } from '../../../test/fixtures/wav.js';
import { collect, testContext } from '../analysers/testing.js';
import { DeliveryAnalyser } from './delivery.js';

const ctx = testContext('audio', 0);

/** 10 + 13 + 13 syllables, pauses of 1.5 s and 2.5 s. */
const SCRIPT =
  '<speak>Well, I would start with the data model. <break time="1500ms"/> Then I would add an index on the user id. ' +
  '<break time="2500ms"/> Finally we measure the latency under load.</speak>';

describe('DeliveryAnalyser', () => {
  it('counts the pauses and syllables of a scripted espeak-ng answer', async () => {
    const signals = await collect(
      new DeliveryAnalyser().analyse(chunks(espeak(SCRIPT, { ssml: true })), ctx),
    );
    expect(signals).toHaveLength(1);
    const v = signals[0]?.values ?? {};
    expect(Math.abs((v.pauses as number) - 2)).toBeLessThanOrEqual(1);
    expect(v.longestPauseSeconds as number).toBeGreaterThan(2.2);
    expect(v.longestPauseSeconds as number).toBeLessThan(2.8);
    expect(Math.abs((v.syllables as number) / 36 - 1)).toBeLessThan(0.15);
    expect(v.pauseShare as number).toBeGreaterThan(0.2);
  });

  it('estimates the syllables of LibriVox speech within 20 % overall', async () => {
    const truth = [32, 9, 20, 27, 13]; // counted by hand from the reference transcripts
    let found = 0;
    for (const clip of librivoxClips()) {
      for (const s of await collect(new DeliveryAnalyser().analyse(chunks(readWav(clip.path)), ctx)))
        found += s.values.syllables as number;
    }
    const expected = truth.reduce((a, b) => a + b, 0);
    expect(Math.abs(found / expected - 1)).toBeLessThan(0.2);
  });

  it('splits answers at long gaps and faster speech gives a higher syllable rate', async () => {
    const slow = espeak('I would cache the results and invalidate them on write.', { wpm: 110 });
    const fast = espeak('I would cache the results and invalidate them on write.', { wpm: 220 });
    const signals = (
      await collect(new DeliveryAnalyser().analyse(chunks(concat(slow, silence(5), fast)), ctx))
    ).filter((s) => s.kind === 'delivery');
    expect(signals.map((s) => s.values.reason)).toEqual(['gap', 'end']);
    expect(signals[1]?.values.syllablesPerSecond as number).toBeGreaterThan(
      1.4 * (signals[0]?.values.syllablesPerSecond as number),
    );
  });

  it('reports clipping of very loud speech, nothing for silence, and accepts 48 kHz stereo', async () => {
    const plain = espeak('I would cache the results and invalidate them on write.');
    const unclipped = (await collect(new DeliveryAnalyser().analyse(chunks(plain), ctx))).find(
      (s) => s.kind === 'delivery',
    );
    expect(unclipped?.values.clippedShare).toBe(0);
    const loud = { ...plain, samples: plain.samples.slice() };
    for (let i = 0; i < loud.samples.length; i++)
      loud.samples[i] = Math.max(-32768, Math.min(32767, (loud.samples[i] as number) * 8));
    const clipped = (await collect(new DeliveryAnalyser().analyse(chunks(loud), ctx))).find(
      (s) => s.kind === 'delivery',
    );
    expect(clipped?.values.clippedShare as number).toBeGreaterThan(0.05);
    expect(await collect(new DeliveryAnalyser().analyse(chunks(silence(6)), ctx))).toEqual([]);
    const stereo = await collect(
      new DeliveryAnalyser().analyse(chunks(reformat(espeak(SCRIPT, { ssml: true }), 48000, 2)), ctx),
    );
    expect(stereo[0]?.values.pauses).toBe(2);
  });

  it('counts the filled pauses, pauses and filler-free parts of a scripted answer; the VAD reports the long pause', async () => {
    const answer = scriptedFillerAnswer(3.5);
    const signals = await collect(new DeliveryAnalyser().analyse(chunks(answer.pcm, 1_000_000), ctx));
    const delivery = signals.filter((s) => s.kind === 'delivery');
    expect(delivery).toHaveLength(1);
    const v = delivery[0]?.values ?? {};
    expect(Math.abs((v.filledPauses as number) - 4)).toBeLessThanOrEqual(1);
    expect(Math.abs((v.pauses as number) - answer.pauses.length)).toBeLessThanOrEqual(1);
    // The 3.5 s silence plus espeak-ng's own edges.
    expect(v.longestPauseSeconds as number).toBeGreaterThan(3.4);
    expect(v.longestPauseSeconds as number).toBeLessThan(4);
    expect(String(v.filledPausesAt).split(',')).toHaveLength(v.filledPauses as number);
    expect(v.filledPausesPerMinute).toBeCloseTo(((v.filledPauses as number) * 60) / (v.seconds as number), 0);
    // One `filled-pause` signal per filled pause, in wall-clock time inside the inserted ones.
    const filled = signals.filter((s) => s.kind === 'filled-pause');
    expect(filled).toHaveLength(v.filledPauses as number);
    for (const f of filled)
      expect(
        answer.filledPauses.some(
          (t) =>
            f.range.start >= 1_000_000 + t.start * 1000 - 50 && f.range.end <= 1_000_000 + t.end * 1000 + 50,
        ),
      ).toBe(true);
    expect(
      await collect(new DeliveryAnalyser({ filledPauses: false }).analyse(chunks(answer.pcm), ctx)),
    ).toMatchObject([{ kind: 'delivery', values: { filledPauses: 0 } }]);
  });
});
