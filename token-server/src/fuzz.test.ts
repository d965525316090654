import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, type ErrorCode } from './errors.js';
import { AttemptLimiter } from './rate-limit.js';
import { type Created, createSession, json, openTestApp } from './test-support.js';

/**
 * Hostile requests against the whole app (deterministic seed): malformed and oversized bodies, NUL bytes,
 * unpaired surrogates, bidi controls and encodings in every field and path, wrong types, foreign origins and
 * content types, guessed invites. No answer may be a 5xx, every error must be JSON with a stable code that
 * matches its status, nothing may be logged as a failure, and well-formed requests in between still work.
 */

const REQUESTS = 10_500;
const SEED = 0x1d5ec;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  'Ada\u0000',
  '\u0000',
  'a\u0000b',
  'x\uD800',
  '\uDFFF',
  '\uD800\uD800',
  'evil\u202Etxt',
  '\u2066a\u2069',
  '\u200F',
  'line\nbreak',
  'tab\tx',
  'a\u2028b',
  '\uFFFF',
  '\uFEFFbom',
  '../../etc/passwd',
  '%00',
  '%0A',
  '<script>alert(1)</script>',
  "'; drop table sessions; --",
  '$' + '{jndi:ldap://x}',
  '__proto__',
  'constructor',
  'é'.repeat(100),
  'x'.repeat(65),
  'x'.repeat(300),
  '😀'.repeat(40),
  'Ada Lovelace',
];

const HOSTILE_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  0,
  -1,
  1e308,
  Number.MAX_SAFE_INTEGER,
  true,
  null,
  [],
  ['a'],
  {},
  { $ne: null },
];

const PATH_SEGMENTS = [
  'x',
  '%00',
  'a%00b',
  '%0A',
  'x%0D%0AINFO%20forged',
  '%ED%A0%80',
  '%E2%80%AE',
  '%ZZ',
  '%',
  '..',
  '%2e%2e',
  '%2F',
  'no-such-session',
  'a'.repeat(200),
  '%F0%9F%98%80',
  '%C0%AF',
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  '',
];

const ORIGINS = [...Array(8).fill(undefined), 'http://127.0.0.1:5173', 'https://evil.example', 'null'];

describe('token server under hostile input', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  let target: Created;
  let good: Created;

  beforeAll(async () => {
    t = await openTestApp({
      // The default limits, on a clock that stands still: blocked clients stay blocked.
      limiter: new AttemptLimiter({ now: () => 0 }),
      addressOf: (c) => c.req.header('x-fuzz-address') ?? 'unknown',
    });
    target = await createSession(t.app);
    good = await createSession(t.app);
  });
  afterAll(() => t?.database.close());

  it(`answers ${REQUESTS} hostile requests with 4xx JSON errors and stable codes, never 5xx`, async () => {
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const hostile = () => (random() < 0.6 ? pick(HOSTILE_STRINGS) : pick(HOSTILE_VALUES));
    const ids = () => pick([target.session.id, target.session.id, good.session.id.slice(0, 8), hostile()]);

    const tokenBody = (): unknown => {
      const body: Record<string, unknown> = {
        session: random() < 0.7 ? target.session.id : ids(),
        role: random() < 0.7 ? pick(['candidate', 'interviewer']) : hostile(),
        name: random() < 0.5 ? 'Ada' : hostile(),
        invite: random() < 0.2 ? target.invites.candidate : random() < 0.6 ? 'guessed-invite' : hostile(),
      };
      if (random() < 0.1) delete body[pick(['session', 'role', 'name', 'invite'])];
      if (random() < 0.1) body[pick(['admin', '__proto__', 'constructor', 'extra'])] = hostile();
      return body;
    };
    const rawBody = (): string | Uint8Array => {
      switch (Math.floor(random() * 8)) {
        case 0:
          return '{"session": ';
        case 1:
          return '['.repeat(1 + Math.floor(random() * 8000));
        case 2:
          return `${'['.repeat(4000)}${']'.repeat(4000)}`;
        case 3:
          return new Uint8Array([
            0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d,
          ]);
        case 4:
          return '{"title":"\\ud800","session":"\\u0000","name":"\\u202e"}';
        case 5:
          return `{"title":"${'x'.repeat(17_000)}"}`;
        case 6:
          return '{"title":"a","title":"b","allowOptOut":true}';
        default:
          return '\uFEFF{"title":"bom"}';
      }
    };

    const codes = new Map<string, number>();
    const failures: string[] = [];
    let sent = 0;
    let goodOk = 0;
    let goodSent = 0;
    const check = async (what: string, res: Response) => {
      const text = await res.text();
      const key = `${res.status}`;
      if (res.status >= 500) failures.push(`${what} → ${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400 && !what.startsWith('HEAD ')) {
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        } catch {
          code = undefined;
        }
        if (code === undefined || !(code in ERROR_STATUS) || ERROR_STATUS[code as ErrorCode] !== res.status) {
          failures.push(`${what} → ${res.status} without a matching error code: ${text.slice(0, 200)}`);
        }
        codes.set(`${key} ${code}`, (codes.get(`${key} ${code}`) ?? 0) + 1);
      } else {
        codes.set(key, (codes.get(key) ?? 0) + 1);
      }
    };

    const started = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const address = `10.9.${Math.floor(random() * 4)}.${Math.floor(random() * 50)}`;
      if (i % 50 === 0) {
        // A well-formed join from a client nobody attacks: it must always work.
        goodSent++;
        const res = await t.app.request(
          '/api/token',
          json(
            { session: good.session.id, role: 'interviewer', name: 'Ivy', invite: good.invites.interviewer },
            { 'x-fuzz-address': 'good' },
          ),
        );
        if (res.status === 200) goodOk++;
        await res.body?.cancel();
        continue;
      }
      const headers: Record<string, string> = { 'x-fuzz-address': address };
      const type = random() < 0.8 ? 'application/json' : pick(CONTENT_TYPES);
      if (type) headers['content-type'] = type;
      const origin = pick(ORIGINS);
      if (origin) headers.origin = origin;
      if (random() < 0.3)
        headers.authorization = `Bearer ${pick([target.invites.interviewer, 'guess', 'x', target.invites.candidate])}`;
      let method = 'POST';
      let path: string;
      let body: string | Uint8Array | undefined;
      const kind = random();
      if (kind < 0.45) {
        path = '/api/token';
        body = JSON.stringify(tokenBody());
      } else if (kind < 0.55) {
        path = '/api/sessions';
        body = JSON.stringify(random() < 0.5 ? { title: hostile() } : { allowOptOut: hostile(), title: 'x' });
      } else if (kind < 0.7) {
        path = pick(['/api/token', '/api/sessions', `/api/sessions/${target.session.id}/end`]);
        body = rawBody();
      } else if (kind < 0.85) {
        method = pick(['GET', 'POST', 'GET']);
        path = `/api/sessions/${pick([...PATH_SEGMENTS, target.session.id])}/${pick(['report', 'end', 'x', ''])}`;
        body = method === 'POST' ? '{}' : undefined;
      } else {
        method = pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'POST']);
        path = pick([
          '/api/token',
          '/api/sessions',
          '/api/health',
          '/api/',
          '/',
          `/api/${pick(PATH_SEGMENTS)}`,
        ]);
        body = method === 'GET' || method === 'HEAD' ? undefined : '{}';
      }
      let res: Response;
      try {
        res = await t.app.request(path, { method, headers, body });
      } catch (err) {
        failures.push(`${method} ${path} threw ${(err as Error).message}`);
        continue;
      }
      sent++;
      await check(`${method} ${path} ${typeof body === 'string' ? body.slice(0, 80) : '(bytes)'}`, res);
    }
    const ms = performance.now() - started;
    const seen = Object.fromEntries([...codes].sort((a, b) => b[1] - a[1]));
    console.log(`[measure] fuzz: ${sent} hostile + ${goodSent} good requests in ${ms.toFixed(0)} ms`, seen);

    expect(failures.slice(0, 10)).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(10_000);
    expect(goodOk).toBe(goodSent);
    expect(t.logger.errors).toEqual([]);
    // Guessing was throttled, and both sessions are intact.
    expect(codes.get('429 too_many_attempts') ?? 0).toBeGreaterThan(0);
    expect((await t.store.getSession(good.session.id))?.endedAt).toBeNull();
  }, 120_000);
});
