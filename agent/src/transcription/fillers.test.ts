import { describe, expect, it } from 'vitest';
import { countFillers, mergeFillers } from './fillers.js';
import { wordErrorRate, wordErrors } from './wer.js';

describe('countFillers', () => {
  it('counts single and multi-word fillers, not "like" as a verb', () => {
    const r = countFillers(
      'Um, so I, uh, basically used a queue, you know, and I like queues. It was like fast.',
    );
    expect(r.byFiller).toEqual({ um: 1, uh: 1, basically: 1, 'you know': 1, like: 1 });
    expect(r.total).toBe(5);
    expect(r.hesitations).toBe(2);
    expect(countFillers('').total).toBe(0);
  });

  it('merges acoustic filled pauses with the transcript without counting an "um" twice', () => {
    const heard = countFillers('So um we could like, you know, add an index');
    // The recognizer wrote one "um"; the detector found three: three hesitations, plus "like" and "you know".
    expect(mergeFillers(heard, 3)).toEqual({
      total: 5,
      hesitations: 3,
      transcriptHesitations: 1,
      filledPauses: 3,
    });
    // The detector missed the one the recognizer wrote: it still counts once.
    expect(mergeFillers(heard, 0)).toMatchObject({ total: 3, hesitations: 1 });
    // The recognizer dropped them all (as PocketSphinx does): the detector's count stands.
    expect(mergeFillers(countFillers('we add an index'), 4)).toMatchObject({ total: 4, hesitations: 4 });
  });
});

describe('word error rate', () => {
  it('counts substitutions, insertions and deletions against the reference', () => {
    expect(wordErrors('the cat sat', 'the cat sat')).toEqual({ errors: 0, words: 3 });
    expect(wordErrors('the cat sat', 'the bat sat down')).toEqual({ errors: 2, words: 3 });
    expect(wordErrors('the cat sat', '')).toEqual({ errors: 3, words: 3 });
    expect(
      wordErrorRate([
        { reference: 'A b.', hypothesis: 'a B' },
        { reference: 'c d', hypothesis: 'c' },
      ]),
    ).toBe(0.25);
  });
});
