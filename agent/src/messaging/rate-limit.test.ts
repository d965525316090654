import { describe, expect, it } from 'vitest';
import { SenderRateLimit } from './rate-limit.js';

describe('SenderRateLimit', () => {
  it('lets a burst through, then refills at the rate, per sender', () => {
    let now = 0;
    const limit = new SenderRateLimit({ burst: 3, perSecond: 2, now: () => now });
    expect([1, 2, 3, 4].map(() => limit.take('a'))).toEqual([true, true, true, false]);
    expect(limit.take('b')).toBe(true);
    now = 500; // one token back
    expect([limit.take('a'), limit.take('a')]).toEqual([true, false]);
    now = 60_000; // never more than the burst
    expect([1, 2, 3, 4].map(() => limit.take('a'))).toEqual([true, true, true, false]);
  });

  it('forgets the least recently seen sender beyond its bound', () => {
    const limit = new SenderRateLimit({ burst: 1, perSecond: 0, maxSenders: 2, now: () => 0 });
    expect(limit.take('a')).toBe(true);
    expect(limit.take('a')).toBe(false);
    limit.take('b');
    limit.take('c'); // 'a' is forgotten: a full bucket again
    expect(limit.take('a')).toBe(true);
  });
});
