import { describe, expect, it } from 'vitest';
import { evaluate, type Received } from '../test/replay/match.js';
import type { Expected, ExpectedEvent, Timeline } from '../test/replay/scenario.js';
import { loopExpected, loopPeriodMs, loopsFor, scenarioPeriodMs } from './soak-scenario.js';

describe('loopPeriodMs and loopsFor', () => {
  it('rounds the period up to whole 200 ms steps and fills the duration', () => {
    expect(loopPeriodMs(41_234, 8_000)).toBe(49_400);
    expect(loopPeriodMs(40_000, 0)).toBe(40_000);
    expect(loopsFor(600_000, 49_400)).toBe(13);
    expect(loopsFor(10_000, 49_400)).toBe(1);
  });
});

describe('scenarioPeriodMs', () => {
  const hint: ExpectedEvent = {
    type: 'hint',
    kind: 'look-away',
    window: { fromMs: 0, toMs: 1 },
    to: 'interviewer',
  };
  const signal: ExpectedEvent = { ...hint, type: 'signal', kind: 'no-face' };
  const scenario = (events: ExpectedEvent[]) => ({
    mediaMs: 41_234,
    listenAfterMs: 8_000,
    expected: { events, forbidden: [], holdLookbackMs: 15_000 },
  });
  it('stretches the period of a scenario with hints or conduct notes to the repeat period', () => {
    expect(scenarioPeriodMs(scenario([signal, hint]), { repeatPeriodMs: 62_000 })).toBe(62_000);
    expect(
      scenarioPeriodMs(scenario([{ ...hint, type: 'conduct', kind: 'interruption' }]), {
        repeatPeriodMs: 62_000,
      }),
    ).toBe(62_000);
    expect(scenarioPeriodMs(scenario([signal, hint]), { repeatPeriodMs: 62_100 })).toBe(62_200);
  });
  it('keeps the media plus its gap when that is longer, or when no hint is expected', () => {
    expect(scenarioPeriodMs(scenario([hint]), { repeatPeriodMs: 30_000 })).toBe(49_400);
    expect(scenarioPeriodMs(scenario([signal]), { repeatPeriodMs: 62_000 })).toBe(49_400);
    expect(scenarioPeriodMs(scenario([signal]), { gapMs: 1_000, repeatPeriodMs: 62_000 })).toBe(42_400);
  });
});

describe('loopExpected', () => {
  const timeline: Timeline = { pause: { start: 10_000, end: 20_000 }, media: { start: 0, end: 30_000 } };
  const expected: Expected = {
    events: [
      {
        name: 'long pause',
        type: 'hint',
        kind: 'long-pause',
        window: { fromMs: 'pause.start+7500', toMs: 'pause.end' },
        to: 'interviewer',
      },
      {
        type: 'signal',
        kind: 'no-face',
        window: { fromMs: 1_000, toMs: 2_000 },
        triggerMs: 500,
        to: 'interviewer',
      },
    ],
    forbidden: [
      { name: 'nothing for the candidate', type: 'any', to: 'candidate' },
      { type: 'hint', kind: 'stuck', window: { fromMs: 0, toMs: 'pause.start' }, to: 'interviewer' },
    ],
    holdLookbackMs: 15_000,
  };
  it('repeats every windowed event once per loop, shifted by the period, with resolved times', () => {
    const e = loopExpected({ expected, timeline }, 3, 40_000);
    expect(e.events.map((x) => [x.name, x.window.fromMs, x.window.toMs, x.triggerMs])).toEqual([
      ['long pause #1', 17_500, 20_000, undefined],
      ['signal no-face #1', 1_000, 2_000, 500],
      ['long pause #2', 57_500, 60_000, undefined],
      ['signal no-face #2', 41_000, 42_000, 40_500],
      ['long pause #3', 97_500, 100_000, undefined],
      ['signal no-face #3', 81_000, 82_000, 80_500],
    ]);
    expect(e.forbidden.filter((f) => !f.window)).toHaveLength(1);
    expect(e.forbidden.filter((f) => f.window).map((f) => f.window)).toEqual([
      { fromMs: 0, toMs: 10_000 },
      { fromMs: 40_000, toMs: 50_000 },
      { fromMs: 80_000, toMs: 90_000 },
    ]);
  });

  it('lets an arrival match an event as late only within one period of its window', () => {
    const e = loopExpected({ expected, timeline }, 3, 40_000);
    expect(e.matchWithinMs).toBe(40_000);
    // loop 1's long pause never came; loop 3's came twice (and one of those not in its window): the surplus one,
    // two periods on, is not loop 1's late one
    const hint = (t: number): Received => ({ t, to: 'interviewer', type: 'hint', kind: 'long-pause' });
    const noFace = (t: number): Received => ({ t, to: 'interviewer', type: 'signal', kind: 'no-face' });
    const got = [noFace(1_500), noFace(41_500), noFace(81_500), hint(58_000), hint(98_000), hint(99_000)];
    const r = evaluate(e, got, { ...timeline, media: { start: 0, end: 110_000 } });
    expect(r.events.map((x) => [x.name, x.verdict])).toEqual([
      ['long pause #1', 'missing'],
      ['signal no-face #1', 'pass'],
      ['long pause #2', 'pass'],
      ['signal no-face #2', 'pass'],
      ['long pause #3', 'pass'],
      ['signal no-face #3', 'pass'],
    ]);
    // without the bound the surplus arrival would count as loop 1's, 79 s late
    const unbounded = evaluate({ ...e, matchWithinMs: undefined }, got, {
      ...timeline,
      media: { start: 0, end: 110_000 },
    });
    expect(unbounded.events[0]).toMatchObject({ verdict: 'late', receivedMs: 99_000 });
  });
});
