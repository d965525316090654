import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptLimiter } from './rate-limit.js';
import { createSession, json, openTestApp } from './test-support.js';

describe('AttemptLimiter', () => {
  it('allows a burst of failures, then refuses until tokens refill, per address and per session', () => {
    let now = 0;
    const limiter = new AttemptLimiter({
      perAddress: { burst: 3, perMinute: 6 },
      perSession: { burst: 5, perMinute: 5 },
      now: () => now,
    });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('a', 's')).toBe(0);
      limiter.failed('a', 's');
    }
    expect(limiter.retryAfter('a', 's')).toBe(10); // one token per 10 s
    expect(limiter.retryAfter('b', 's')).toBe(0); // another address
    now += 10_000;
    expect(limiter.retryAfter('a', 's')).toBe(0);
    // The session's own budget stops guessing from many addresses.
    for (const address of ['b', 'c', 'e']) limiter.failed(address, 's');
    expect(limiter.retryAfter('d', 's')).toBe(12); // empty: one token per 12 s
    expect(limiter.retryAfter('d', 'other')).toBe(0);
  });

  it('forgets the least recently used keys past maxKeys', () => {
    const limiter = new AttemptLimiter({ maxKeys: 100 });
    for (let i = 0; i < 1000; i++) limiter.failed(`10.0.${i >> 8}.${i & 255}`, `s${i}`);
    expect(limiter.size).toEqual({ addresses: 100, sessions: 100 });
  });
});

describe('invite guessing through the API (default limits)', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  let now = 0;
  beforeAll(async () => {
    t = await openTestApp({
      limiter: new AttemptLimiter({ now: () => now }),
      addressOf: (c) => c.req.header('x-test-address') ?? 'unknown',
    });
  });
  afterAll(() => t?.database.close());

  const attempt = (body: Record<string, unknown>, address: string) =>
    t.app.request('/api/token', json(body, { 'x-test-address': address }));

  it('answers 429 with Retry-After after 10 wrong invites from one address, without checking the 11th', async () => {
    const created = await createSession(t.app);
    const wrong = { session: created.session.id, role: 'candidate', name: 'Eve', invite: 'guess' };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt(wrong, '192.0.2.1')).status);
    expect(statuses).toEqual([...Array(10).fill(403), 429, 429]);
    // Even the right invite is not evaluated from that address while it is blocked.
    const right = { ...wrong, invite: created.invites.candidate };
    const blocked = await attempt(right, '192.0.2.1');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('6');
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('too_many_attempts');
    // Another address is not affected; after the wait, the first may try again.
    expect((await attempt(right, '192.0.2.2')).status).toBe(200);
    now += 6_000;
    expect((await attempt(right, '192.0.2.1')).status).toBe(200);
  });

  it('limits guesses on one session from many addresses to 30 a minute', async () => {
    const created = await createSession(t.app);
    const wrong = { session: created.session.id, role: 'interviewer', name: 'Eve', invite: 'guess' };
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await attempt(wrong, `198.51.100.${i}`)).status);
    expect(statuses.filter((s) => s === 403)).toHaveLength(30);
    expect(statuses.slice(30)).toEqual(Array(5).fill(429));
    // Unknown session ids count as failures too (probing ids).
    const probe = { ...wrong, session: 'no-such-session' };
    for (let i = 0; i < 10; i++) expect((await attempt(probe, '203.0.113.9')).status).toBe(404);
    expect((await attempt(probe, '203.0.113.9')).status).toBe(429);
  });
});
