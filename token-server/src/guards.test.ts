import { type InterviewStore, StorageError } from '@interview-helper/storage';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { clientAddress, describeFailure, forLog } from './guards.js';
import {
  capturingLogger,
  config,
  json,
  lenientLimiter,
  openTestApp,
  recordingRooms,
} from './test-support.js';

describe('forLog', () => {
  it('escapes what could forge or hide a log line and cuts long text', () => {
    expect(forLog('/api/x\nGET /api/admin 200')).toBe('/api/x\\u{a}GET /api/admin 200');
    expect(forLog('a\r\u0000b\u202Ec\u2028d\\')).toBe('a\\u{d}\\u{0}b\\u{202e}c\\u{2028}d\\\\');
    expect(forLog('x\uD800y')).toBe('x\\u{d800}y');
    expect(forLog('y'.repeat(500), 10)).toBe(`${'y'.repeat(10)}…`);
  });

  it('describes a failure by class, code and own message, never a query or its parameters', () => {
    const driver = new Error('Failed query: select * from sessions where id = $1\nparams: 0a1b2c');
    const err = new StorageError('unavailable', 'getSession: database error', { cause: driver });
    expect(describeFailure(err)).toBe('StorageError [unavailable]: getSession: database error');
    expect(describeFailure(driver)).toBe('Error: (query failed)');
  });
});

describe('clientAddress', () => {
  it('uses the last X-Forwarded-For hop only behind a trusted proxy', async () => {
    for (const [trust, expected] of [
      [true, '198.51.100.7'],
      [false, 'unknown'],
    ] as const) {
      const app = new Hono().get('/', (c) => c.text(clientAddress(trust)(c)));
      const res = await app.request('/', { headers: { 'x-forwarded-for': '203.0.113.1, 198.51.100.7' } });
      expect(await res.text(), String(trust)).toBe(expected);
    }
  });
});

describe('write guard', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(() => t?.database.close());

  const create = (headers: Record<string, string>, body: string | undefined = '{}') =>
    t.app.request('/api/sessions', { method: 'POST', headers, body });
  const codeOf = async (res: Response) => ((await res.json()) as { error?: { code: string } }).error?.code;

  it('refuses writes from other origins and cross-site fetches', async () => {
    const jsonType = { 'content-type': 'application/json' };
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:5174', 'http://localhost.evil']) {
      const res = await create({ ...jsonType, origin });
      expect([res.status, await codeOf(res)], origin).toEqual([403, 'forbidden_origin']);
    }
    const site = await create({ ...jsonType, 'sec-fetch-site': 'cross-site' });
    expect(site.status).toBe(403);
    // The web client's origin (WEB_PUBLIC_URL), the server's own origin and no origin at all pass.
    for (const origin of [config.webPublicUrl, 'http://localhost', undefined]) {
      const res = await create({ ...jsonType, ...(origin ? { origin } : {}) });
      expect(res.status, String(origin)).toBe(201);
    }
  });

  it('requires a JSON content type on every write, bodyless or not', async () => {
    for (const type of [
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'application/jsonp',
    ]) {
      const res = await create(type ? { 'content-type': type } : {}, type ? '{}' : undefined);
      expect([res.status, await codeOf(res)], String(type)).toEqual([415, 'unsupported_media_type']);
    }
    for (const type of [
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/merge-patch+json',
    ])
      expect((await create({ 'content-type': type })).status, type).toBe(201);
    // Reads need no content type.
    expect((await t.app.request('/api/health')).status).toBe(200);
  });
});

describe('failure logs', () => {
  it('log the failure class and an escaped path, never SQL, parameters or invite hashes', async () => {
    const hash = 'f'.repeat(64);
    const failing = {
      getSession: async () => {
        throw new StorageError('unavailable', 'getSession: database error', {
          cause: new Error(`Failed query: select "candidate_invite_hash" from "sessions"\nparams: ${hash}`),
        });
      },
    } as unknown as InterviewStore;
    const logger = capturingLogger();
    const app = createApp({
      store: failing,
      config,
      logger,
      rooms: recordingRooms(),
      limiter: lenientLimiter(),
    });
    const res = await app.request(
      '/api/token',
      json({ session: 'sess-1', role: 'candidate', name: 'Ada', invite: 'abc' }),
    );
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
    const logged = `${logger.lines.join('\n')}${JSON.stringify(logger.errors)}`;
    expect(logger.lines).toEqual([
      'POST /api/token failed: StorageError [unavailable]: getSession: database error',
    ]);
    expect(logged).not.toMatch(/select|params|ffff/i);

    const injected = await app.request('/api/sessions/x%0AINFO%20forged/end', json({}));
    expect(injected.status).toBe(400);
    const missing = await app.request('/api/a%0Ab\u202E');
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe(
      'no route for GET /api/a%0Ab%E2%80%AE',
    );
  });
});
