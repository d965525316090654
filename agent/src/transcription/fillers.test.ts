import { describe, expect, it } from 'vitest';
import { countFillers } from './fillers.js';
import { wordErrorRate, wordErrors } from './wer.js';

describe('countFillers', () => {
  it('counts single and multi-word fillers, not "like" as a verb', () => {
    const r = countFillers(
      'Um, so I, uh, basically used a queue, you know, and I like queues. It was like fast.',
    );
    expect(r.byFiller).toEqual({ um: 1, uh: 1, basically: 1, 'you know': 1, like: 1 });
    expect(r.total).toBe(5);
    expect(countFillers('').total).toBe(0);
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
