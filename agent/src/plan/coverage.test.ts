import type { InterviewPlan } from '@interview-helper/protocol';
import { coverageMessageSchema } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { CoverageTracker } from './coverage.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const min = 60_000;
const plan: InterviewPlan = {
  durationMinutes: 30,
  items: [
    { id: 'a', competency: 'One', question: 'Question A?', keywords: [], minutes: 10 },
    { id: 'b', competency: 'One', question: 'Question B?', keywords: [], minutes: 10 },
    { id: 'c', competency: 'Two', question: 'Question C?', keywords: [], minutes: 10 },
  ],
};
const seg = (id: string, atMin: number, seconds: number, text = 'some words said here') => ({
  id,
  text,
  start: T0 + atMin * min,
  end: T0 + atMin * min + seconds * 1000,
});

describe('CoverageTracker', () => {
  it('marks items asked and attributes the candidate’s statements to the item being discussed', () => {
    const t = new CoverageTracker(plan, 1);
    expect(t.candidate(seg('c0', 0, 3))).toBeUndefined(); // nothing asked yet
    t.asked('a', seg('i1', 1, 4, 'Question A?'), 'keywords');
    expect(t.candidate(seg('c1', 1.2, 20, 'I would start with a hash map'))).toBe('a');
    expect(t.candidate(seg('c2', 1.6, 10, 'then sort'))).toBe('a');
    t.asked('c', seg('i2', 3, 3), 'llm');
    expect(t.candidate(seg('c3', 3.1, 5, 'first answer on c'))).toBe('c');
    const m = t.message('s1', T0 + 4 * min);
    expect(coverageMessageSchema.parse(m)).toEqual(m);
    expect(m).toMatchObject({
      itemsLeft: 1,
      current: 'c',
      startedAt: T0,
      elapsedMinutes: 4,
      minutesLeft: 26,
    });
    expect(m.items[0]).toMatchObject({
      id: 'a',
      status: 'answered',
      askedAt: T0 + min,
      askedSegmentId: 'i1',
      matchedBy: 'keywords',
      candidateSeconds: 30,
      candidateWords: 9,
    });
    expect(m.items[0]?.evidence.map((e) => e.segmentId)).toEqual(['c1', 'c2']);
    expect(m.items[1]).toMatchObject({ id: 'b', status: 'not-asked', candidateSeconds: 0 });
    expect(m.items[2]).toMatchObject({ id: 'c', matchedBy: 'llm', status: 'answered' });
  });

  it('says when the time left cannot cover the items left (with the slack)', () => {
    const t = new CoverageTracker(plan, 1, { slack: 0.25 });
    expect(t.time(T0).timeShort).toBe(false); // not started
    t.start(T0);
    t.asked('a', seg('i1', 0, 3), 'keywords');
    // 20 planned minutes left for b and c; short once fewer than 15 are left
    expect(t.time(T0 + 14 * min)).toMatchObject({
      itemsLeft: 2,
      minutesLeft: 16,
      minutesNeeded: 20,
      timeShort: false,
    });
    expect(t.time(T0 + 16 * min)).toMatchObject({ minutesLeft: 14, timeShort: true, notAsked: ['b', 'c'] });
    t.asked('b', seg('i2', 16, 3), 'keywords');
    expect(t.time(T0 + 16 * min).timeShort).toBe(false);
  });

  it('keeps coverage by item id across plan edits and restores from a snapshot', () => {
    const t = new CoverageTracker(plan, 1);
    t.asked('a', seg('i1', 0, 3), 'keywords');
    t.candidate(seg('c1', 0.2, 8));
    t.setPlan(
      {
        ...plan,
        items: [
          plan.items[0] as InterviewPlan['items'][number],
          { ...(plan.items[2] as InterviewPlan['items'][number]), id: 'd' },
        ],
      },
      2,
    );
    expect(t.snapshot().items.map((i) => [i.id, i.status])).toEqual([
      ['a', 'answered'],
      ['d', 'not-asked'],
    ]);
    const restored = new CoverageTracker(t.plan, 2, {}, JSON.parse(JSON.stringify(t.snapshot())));
    expect(restored.snapshot()).toEqual(t.snapshot());
    expect(restored.candidate(seg('c2', 1, 2))).toBe('a');
  });
});
