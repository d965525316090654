import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './breaker.js';
import { HintCadence } from './cadence.js';

const h = (id: string) => ({ id });

describe('HintCadence', () => {
  it('sends at most one hint per interval to each interviewer; a held hint waits and a newer one replaces it', () => {
    const c = new HintCadence<{ id: string }>({ minIntervalMs: 10_000 });
    expect(c.offer(h('a'), ['ivy', 'ian'], 0)).toEqual(['ivy', 'ian']);
    expect(c.offer(h('b'), ['ivy', 'ian'], 2000)).toEqual([]);
    expect(c.offer(h('c'), ['ivy'], 3000)).toEqual([]);
    expect(c.due(9000)).toEqual([]);
    const due = c.due(10_000);
    expect(due).toEqual([
      { interviewer: 'ivy', hint: h('c') },
      { interviewer: 'ian', hint: h('b') },
    ]);
    expect(c.due(10_001)).toEqual([]);
    expect(c.offer(h('d'), ['ivy', 'ida'], 12_000)).toEqual(['ida']);
  });

  it('holds a flood to one hint per interval', () => {
    const c = new HintCadence<{ id: string }>({ minIntervalMs: 5000 });
    let sent = 0;
    for (let t = 0; t < 60_000; t += 10) {
      sent += c.offer(h(`h${t}`), ['ivy'], t).length + c.due(t).length;
    }
    expect(sent).toBe(12);
  });

  it('merges near-duplicates within the window into the first hint', () => {
    const c = new HintCadence<{ id: string }>({ dedupeWindowMs: 30_000 });
    expect(c.claim('long-pause@1', 'h1', 0)).toBeUndefined();
    expect(c.claim('long-pause@1', 'h2', 10_000)).toBe('h1');
    expect(c.claim('look-away', 'h3', 10_000)).toBeUndefined();
    expect(c.claim('long-pause@1', 'h4', 31_000)).toBeUndefined();
  });

  it('drops a held hint that waited too long', () => {
    const c = new HintCadence<{ id: string }>({ minIntervalMs: 100_000, maxHoldMs: 20_000 });
    c.offer(h('a'), ['ivy'], 0);
    c.offer(h('b'), ['ivy'], 1000);
    expect(c.due(100_000)).toEqual([]);
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
