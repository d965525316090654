import { ROLE_ATTRIBUTE } from '@interview-helper/protocol';
import { hashInvite } from '@interview-helper/storage';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, createSession as createSessionIn, json, openTestApp, requestToken } from './test-support.js';

describe('token server app: sessions and tokens', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  const verifier = new TokenVerifier(config.livekitApiKey, config.livekitApiSecret);
  const createSession = (body?: unknown) => createSessionIn(t.app, body);
  const token = (body: Record<string, unknown>) => requestToken(t.app, body);

  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(() => t?.database.close());

  it('creates a session with one invite per role and stores only their hashes', async () => {
    const created = await createSession();
    expect(created.session.roomName).toMatch(/^interview-[\w-]{16}$/);
    expect(new Date(created.session.createdAt).getTime()).toBeGreaterThan(Date.now() - 10_000);
    for (const role of ['candidate', 'interviewer'] as const) {
      expect(created.invites[role]).toMatch(/^[\w-]{43}$/); // 32 random bytes, base64url
      const link = new URL(created.links[role]);
      expect(`${link.origin}${link.pathname}`).toBe('http://127.0.0.1:5173/join');
      expect(Object.fromEntries(link.searchParams)).toEqual({
        session: created.session.id,
        role,
        invite: created.invites[role],
      });
    }
    expect(created.invites.candidate).not.toBe(created.invites.interviewer);
    const row = await t.store.getSession(created.session.id);
    expect(row?.candidateInviteHash).toBe(hashInvite(created.invites.candidate));
    expect(row?.interviewerInviteHash).toBe(hashInvite(created.invites.interviewer));
    expect(JSON.stringify(row)).not.toContain(created.invites.candidate);
    expect(row?.settings).toEqual({ title: 'Backend engineer', allowOptOut: false });
    expect(created.session.allowOptOut).toBe(false);
    const untitled = await t.app.request('/api/sessions', json({}));
    expect(untitled.status).toBe(201);
    // A bodyless write without a JSON content type is what a page on any origin could send: refused.
    const bare = await t.app.request('/api/sessions', { method: 'POST' });
    expect(bare.status).toBe(415);
  });

  it('issues a candidate token with exactly the candidate grants, role attribute and agent dispatch', async () => {
    const created = await createSession();
    const started = Date.now();
    const { status, body } = await token({
      session: created.session.id,
      role: 'candidate',
      name: 'Ada Lovelace',
      invite: created.invites.candidate,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ url: 'wss://rtc.example.test', role: 'candidate' });
    expect(body.identity).toMatch(/^candidate-[\w-]{12}$/);
    const claims = await verifier.verify(body.token ?? '');
    expect(claims.sub).toBe(body.identity);
    expect(claims.name).toBe('Ada Lovelace');
    expect(claims.attributes).toEqual({ [ROLE_ATTRIBUTE]: 'candidate' });
    expect(claims.video).toEqual({
      room: created.session.roomName,
      roomJoin: true,
      canSubscribe: true,
      canPublish: true,
      canPublishSources: ['camera', 'microphone'],
      canPublishData: true,
      canUpdateOwnMetadata: false,
      roomCreate: false,
      roomList: false,
      roomRecord: false,
      roomAdmin: false,
      ingressAdmin: false,
      hidden: false,
      recorder: false,
      agent: false,
    });
    const exp = claims.exp ?? 0;
    expect(exp - (claims.nbf ?? 0)).toBeLessThanOrEqual(900);
    expect(exp * 1000).toBeLessThanOrEqual(started + 901_000);
    expect(new Date(body.expiresAt ?? 0).getTime()).toBe(exp * 1000);
    const dispatch = (claims.roomConfig as unknown as { agents: { agentName: string; metadata: string }[] })
      .agents;
    expect(dispatch).toHaveLength(1);
    expect(dispatch[0]?.agentName).toBe('interview-helper-test');
    expect(JSON.parse(dispatch[0]?.metadata ?? '')).toEqual({ sessionId: created.session.id });
  });

  it('issues interviewer tokens with a fresh identity per join', async () => {
    const created = await createSession();
    const request = {
      session: created.session.id,
      role: 'interviewer',
      name: 'Ivy',
      invite: created.invites.interviewer,
    };
    const first = await token(request);
    const second = await token(request);
    expect(first.status).toBe(200);
    expect(first.body.identity).toMatch(/^interviewer-/);
    expect(second.body.identity).not.toBe(first.body.identity);
    const claims = await verifier.verify(first.body.token ?? '');
    expect(claims.attributes?.[ROLE_ATTRIBUTE]).toBe('interviewer');
    expect(claims.video).toMatchObject({
      room: created.session.roomName,
      roomJoin: true,
      canSubscribe: true,
    });
    expect(claims.video?.roomAdmin).toBe(false);
  });

  it('stores whether the candidate may opt out and tells every token holder', async () => {
    const created = await createSession({ allowOptOut: true });
    expect(created.session.allowOptOut).toBe(true);
    expect((await t.store.getSession(created.session.id))?.settings).toEqual({ allowOptOut: true });
    for (const role of ['candidate', 'interviewer'] as const) {
      const { body } = await token({
        session: created.session.id,
        role,
        name: 'Ada',
        invite: created.invites[role],
      });
      expect(body.allowOptOut).toBe(true);
    }
    const strict = await createSession();
    const { body } = await token({
      session: strict.session.id,
      role: 'candidate',
      name: 'Ada',
      invite: strict.invites.candidate,
    });
    expect(body.allowOptOut).toBe(false);
  });

  it('never turns a candidate invite into interviewer grants', async () => {
    const created = await createSession();
    const { status, body } = await token({
      session: created.session.id,
      role: 'interviewer',
      name: 'Mallory',
      invite: created.invites.candidate,
    });
    expect(status).toBe(403);
    expect(body).toEqual({ error: { code: 'invalid_invite', message: expect.any(String) } });
    expect(body.token).toBeUndefined();
  });

  it('issues tokens quickly', async () => {
    const created = await createSession();
    const request = {
      session: created.session.id,
      role: 'candidate',
      name: 'Ada',
      invite: created.invites.candidate,
    };
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      const res = await t.app.request('/api/token', json(request));
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const p50 = times[49] ?? 0;
    const p95 = times[94] ?? 0;
    console.log(
      `token issue latency over 100 requests (PGlite in memory): p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`,
    );
    expect(p95).toBeLessThan(250);
  });
});
