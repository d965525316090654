import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InterviewStore, openDatabase } from '@interview-helper/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, MAX_BODY_BYTES } from './app.js';
import {
  capturingLogger,
  config,
  createSession as createSessionIn,
  json,
  openTestApp,
  requestToken,
} from './test-support.js';

describe('token server app: refusals and failures', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  const createSession = (body?: unknown) => createSessionIn(t.app, body);
  const token = (body: Record<string, unknown>) => requestToken(t.app, body);

  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(() => t?.database.close());

  it('answers every refusal with a stable code', async () => {
    const created = await createSession();
    const ok = {
      session: created.session.id,
      role: 'candidate',
      name: 'Ada',
      invite: created.invites.candidate,
    };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...ok, session: 'no-such-session' }, 404, 'session_not_found'],
      [{ ...ok, invite: 'guessed' }, 403, 'invalid_invite'],
      [{ ...ok, invite: created.invites.interviewer }, 403, 'invalid_invite'],
      [{ ...ok, role: 'admin' }, 403, 'role_not_allowed'],
      [{ ...ok, role: 'agent' }, 403, 'role_not_allowed'],
      [{ ...ok, name: '' }, 400, 'invalid_request'],
      [{ ...ok, name: 'Ada\u0000' }, 400, 'invalid_request'],
      [{ ...ok, name: 'x'.repeat(65) }, 400, 'invalid_request'],
      [{ ...ok, session: 42 }, 400, 'invalid_request'],
      [{ ...ok, admin: true }, 400, 'invalid_request'],
      [{ role: 'candidate' }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of cases) {
      const res = await token(body);
      expect([res.status, res.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
      expect(res.body.error?.message).toEqual(expect.any(String));
    }
    await t.store.endSession(created.session.id);
    const ended = await token(ok);
    expect([ended.status, ended.body.error?.code]).toEqual([410, 'session_ended']);
  });

  it('refuses malformed, non-JSON, oversize and misrouted requests with JSON errors', async () => {
    const expectError = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    };
    await expectError(await t.app.request('/api/token', json('{"session": ')), 400, 'invalid_request');
    await expectError(await t.app.request('/api/token', json('[1,2]')), 400, 'invalid_request');
    await expectError(
      await t.app.request('/api/token', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hi',
      }),
      415,
      'unsupported_media_type',
    );
    const big = JSON.stringify({ title: 'x'.repeat(MAX_BODY_BYTES + 1) });
    await expectError(await t.app.request('/api/sessions', json(big)), 413, 'payload_too_large');
    await expectError(await t.app.request('/api/token', json(big)), 413, 'payload_too_large');
    await expectError(await t.app.request('/api/nothing'), 404, 'not_found');
    await expectError(await t.app.request('/api/token'), 404, 'not_found');
    await expectError(
      await t.app.request('/api/sessions', json({ title: 'x'.repeat(201) })),
      400,
      'invalid_request',
    );
    await expectError(
      await t.app.request('/api/sessions', json({ allowOptOut: 'yes' })),
      400,
      'invalid_request',
    );
  });

  it('guards session creation with ADMIN_TOKEN when it is set', async () => {
    const adminToken = 'a-long-admin-token-123';
    const guarded = createApp({
      store: t.store,
      config: { ...config, adminToken },
      logger: capturingLogger(),
    });
    const attempt = (auth?: string) =>
      guarded.request('/api/sessions', json({}, auth ? { authorization: auth } : {}));
    for (const auth of [undefined, 'Bearer wrong', `Basic ${adminToken}`, `Bearer ${adminToken}x`]) {
      const res = await attempt(auth);
      expect(res.status, String(auth)).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    expect((await attempt(`Bearer ${adminToken}`)).status).toBe(201);
  });

  it('hides internal failures behind a 500 internal error and logs them', async () => {
    const broken = await openDatabase();
    await broken.close();
    const logger = capturingLogger();
    const failing = createApp({ store: new InterviewStore(broken.db), config, logger });
    const res = await failing.request('/api/sessions', json({}));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(text).not.toMatch(/at |Storage|PGlite|closed/);
    expect(logger.errors).toHaveLength(1);
    const tokenRes = await failing.request(
      '/api/token',
      json({ session: 's', role: 'candidate', name: 'n', invite: 'i' }),
    );
    expect(tokenRes.status).toBe(500);
  });

  it('reports whether LiveKit answers in /api/health', async () => {
    const down = await t.app.request('/api/health');
    expect(await down.json()).toEqual({ ok: true, livekit: false });

    const livekit: Server = createServer((_req, res) => res.end('OK'));
    await new Promise<void>((resolve) => livekit.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = livekit.address() as AddressInfo;
      const up = createApp({ store: t.store, config: { ...config, livekitUrl: `ws://127.0.0.1:${port}` } });
      expect(await (await up.request('/api/health')).json()).toEqual({ ok: true, livekit: true });
    } finally {
      await new Promise((resolve) => livekit.close(resolve));
    }
  });
});
