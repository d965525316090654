import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './breaker.js';
import { HintCadence } from './cadence.js';

const h = (id: string, priority = 1, kind = id) => ({ id, priority, kind });
type H = ReturnType<typeof h>;
const ids = (xs: { hint: H }[]) => xs.map((x) => x.hint.id);

describe('HintCadence', () => {
  it('sends at most one hint per interval to each interviewer; a held hint waits and a newer one of its kind supersedes it', () => {
    const c = new HintCadence<H>({ minIntervalMs: 10_000 });
    expect(c.offer(h('a'), ['ivy', 'ian'], 0).send).toEqual(['ivy', 'ian']);
    expect(c.offer(h('b', 1, 'look-away'), ['ivy', 'ian'], 2000).send).toEqual([]);
    const c3 = c.offer(h('c', 1, 'look-away'), ['ivy'], 3000);
    expect(c3.send).toEqual([]);
    expect(c3.dropped).toEqual([{ interviewer: 'ivy', hint: h('b', 1, 'look-away'), reason: 'superseded' }]);
    expect(c.due(9000).send).toEqual([]);
    expect(c.due(10_000).send).toEqual([
      { interviewer: 'ivy', hint: h('c', 1, 'look-away') },
      { interviewer: 'ian', hint: h('b', 1, 'look-away') },
    ]);
    expect(c.due(10_001).send).toEqual([]);
    expect(c.offer(h('d'), ['ivy', 'ida'], 12_000).send).toEqual(['ida']);
  });

  it('holds a flood of equal-priority hints to one per interval', () => {
    const c = new HintCadence<H>({ minIntervalMs: 5000 });
    let sent = 0;
    for (let t = 0; t < 60_000; t += 10) {
      sent += c.offer(h(`h${t}`, 1, `kind-${t % 7}`), ['ivy'], t).send.length + c.due(t).send.length;
    }
    expect(sent).toBe(12);
    expect(c.held('ivy').length).toBeLessThanOrEqual(7);
  });

  it('a higher-priority hint preempts the interval after a lower one; an equal or lower one waits', () => {
    const c = new HintCadence<H>({ minIntervalMs: 15_000, urgentIntervalMs: 5000 });
    expect(c.offer(h('follow-up', 1), ['ivy'], 0).send).toEqual(['ivy']);
    expect(c.offer(h('look-away', 2), ['ivy'], 1000).send).toEqual(['ivy']);
    expect(c.offer(h('pause', 3), ['ivy'], 2000).send).toEqual(['ivy']);
    // After an urgent one, another urgent one waits for the shorter interval, a lower one for the full one.
    expect(c.offer(h('extra-person', 3), ['ivy'], 3000).send).toEqual([]);
    expect(c.offer(h('fast-speech', 1), ['ivy'], 4000).send).toEqual([]);
    expect(c.held('ivy').map((x) => x.id)).toEqual(['extra-person', 'fast-speech']);
    expect(ids(c.due(6999).send)).toEqual([]);
    expect(ids(c.due(7000).send)).toEqual(['extra-person']);
    expect(ids(c.due(21_999).send)).toEqual([]);
    expect(ids(c.due(22_000).send)).toEqual(['fast-speech']);
  });

  it('a held hint is superseded only by a newer one of its kind; other kinds queue by priority', () => {
    const c = new HintCadence<H>({ minIntervalMs: 10_000 });
    c.offer(h('first', 3), ['ivy'], 0);
    expect(c.intervalFor(3)).toBe(5000);
    expect(c.intervalFor(2)).toBe(10_000);
    expect(c.offer(h('pause', 3), ['ivy'], 1000).dropped).toEqual([]);
    expect(c.offer(h('code-review', 1), ['ivy'], 2000).dropped).toEqual([]);
    expect(c.held('ivy').map((x) => x.id)).toEqual(['pause', 'code-review']);
    // A look-away does not make a code finding untrue: both wait, highest priority first.
    expect(c.offer(h('look-away', 2), ['ivy'], 3000).dropped).toEqual([]);
    expect(c.held('ivy').map((x) => x.id)).toEqual(['pause', 'look-away', 'code-review']);
    // A newer look-away replaces the held one (same moment, newer facts).
    const newer = c.offer(h('look-away-2', 2, 'look-away'), ['ivy'], 3500);
    expect(ids(newer.dropped)).toEqual(['look-away']);
    expect(c.held('ivy').map((x) => x.id)).toEqual(['pause', 'look-away-2', 'code-review']);
    // Offering the same hint again updates it in place.
    c.offer(h('pause', 3), ['ivy'], 4000);
    expect(c.held('ivy').map((x) => x.id)).toEqual(['pause', 'look-away-2', 'code-review']);
    // One per interval, as long as each is valid.
    expect(ids(c.due(5000).send)).toEqual(['pause']);
    expect(ids(c.due(14_999).send)).toEqual([]);
    expect(ids(c.due(15_000).send)).toEqual(['look-away-2']);
    expect(ids(c.due(25_000).send)).toEqual(['code-review']);
  });

  it('drops a held hint that is no longer valid, with the reason, instead of sending it late', () => {
    const c = new HintCadence<H>({ minIntervalMs: 15_000, urgentIntervalMs: 15_000 });
    c.offer(h('answer-end', 3), ['ivy'], 0);
    c.offer(h('pause', 3), ['ivy'], 1000);
    const validUntil = new Map([['pause', 9000]]);
    const invalid = (x: H, now: number) =>
      now > (validUntil.get(x.id) ?? 0) ? ('expired' as const) : undefined;
    expect(c.due(5000, invalid)).toEqual({ send: [], dropped: [] });
    expect(c.due(9001, invalid)).toEqual({
      send: [],
      dropped: [{ interviewer: 'ivy', hint: h('pause', 3), reason: 'expired' }],
    });
    expect(c.due(15_000, invalid)).toEqual({ send: [], dropped: [] });
    expect(c.held('ivy')).toEqual([]);
  });

  it('merges near-duplicates within the window into the first hint', () => {
    const c = new HintCadence<H>({ dedupeWindowMs: 30_000 });
    expect(c.claim('long-pause@1', 'h1', 0)).toBeUndefined();
    expect(c.claim('long-pause@1', 'h2', 10_000)).toBe('h1');
    expect(c.claim('look-away', 'h3', 10_000)).toBeUndefined();
    expect(c.claim('long-pause@1', 'h4', 31_000)).toBeUndefined();
  });

  it('drops a held hint that waited too long', () => {
    const c = new HintCadence<H>({ minIntervalMs: 100_000, maxHoldMs: 20_000 });
    c.offer(h('a'), ['ivy'], 0);
    c.offer(h('b'), ['ivy'], 1000);
    expect(c.due(100_000)).toEqual({
      send: [],
      dropped: [{ interviewer: 'ivy', hint: h('b'), reason: 'held-too-long' }],
    });
  });
});

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, lets one trial through after the pause, and closes on success', () => {
    const b = new CircuitBreaker({ failureThreshold: 2, openMs: 1000 });
    b.failure(0);
    expect(b.allow(1)).toBe(true);
    b.failure(1);
    expect(b.state).toBe('open');
    expect(b.allow(500)).toBe(false);
    expect(b.allow(1001)).toBe(true);
    expect(b.state).toBe('half-open');
    expect(b.allow(1002)).toBe(false);
    b.failure(1003);
    expect(b.allow(1500)).toBe(false);
    expect(b.allow(2004)).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
  });
});
