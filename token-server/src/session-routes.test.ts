import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import {
  capturingLogger,
  config,
  createSession,
  json,
  lenientLimiter,
  openTestApp,
  recordingRooms,
  requestToken,
} from './test-support.js';
import { departureTimeoutSeconds } from './tokens.js';

describe('POST /api/sessions/:id/end', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(() => t?.database.close());

  const end = (id: string, bearer?: string, headers: Record<string, string> = {}) =>
    t.app.request(
      `/api/sessions/${id}/end`,
      json({}, bearer ? { authorization: `Bearer ${bearer}`, ...headers } : headers),
    );

  it('ends the session with the interviewer invite: stored, room closed, later tokens refused with session_ended', async () => {
    const created = await createSession(t.app);
    const id = created.session.id;
    const join = { session: id, role: 'candidate', name: 'Ada', invite: created.invites.candidate };
    expect((await requestToken(t.app, join)).status).toBe(200);

    const res = await end(id, created.invites.interviewer);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      session: { id: string; endedAt: string };
      alreadyEnded: boolean;
      roomClosed: boolean;
    };
    expect(body).toMatchObject({ session: { id }, alreadyEnded: false, roomClosed: true });
    expect(t.rooms.closed).toContain(created.session.roomName);
    const row = await t.store.getSession(id);
    expect(row?.endedAt?.toISOString()).toBe(body.session.endedAt);

    for (const role of ['candidate', 'interviewer'] as const) {
      const refused = await requestToken(t.app, { ...join, role, invite: created.invites[role] });
      expect([refused.status, refused.body.error?.code]).toEqual([410, 'session_ended']);
    }
    // Ending again is harmless, keeps the first end time and closes the room again.
    const again = await end(id, created.invites.interviewer);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({
      session: { endedAt: body.session.endedAt },
      alreadyEnded: true,
    });
    expect(t.rooms.closed.filter((r) => r === created.session.roomName)).toHaveLength(2);
    // The report stays readable with the interviewer invite after the end.
    await t.store.saveReport(id, { version: 1 });
    const report = await t.app.request(`/api/sessions/${id}/report`, {
      headers: { authorization: `Bearer ${created.invites.interviewer}` },
    });
    expect(report.status).toBe(200);
  });

  it('refuses the candidate invite, a wrong invite, no invite and an unknown session alike', async () => {
    const created = await createSession(t.app);
    const id = created.session.id;
    for (const bearer of [created.invites.candidate, 'guessed', undefined]) {
      const res = await end(id, bearer);
      expect(res.status, String(bearer)).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    expect((await end('no-such-session', created.invites.interviewer)).status).toBe(401);
    expect((await end('bad%00id', created.invites.interviewer)).status).toBe(400);
    expect((await t.store.getSession(id))?.endedAt).toBeNull();
    // A write from another origin is refused before anything is checked.
    const cross = await end(id, created.invites.interviewer, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect((await t.store.getSession(id))?.endedAt).toBeNull();
  });

  it('accepts the admin token for any session, and says when the room could not be closed', async () => {
    const adminToken = 'an-admin-token-of-some-length';
    const rooms = recordingRooms(false);
    const logger = capturingLogger();
    const app = createApp({
      store: t.store,
      config: { ...config, adminToken },
      rooms,
      logger,
      limiter: lenientLimiter(),
    });
    const auth = { authorization: `Bearer ${adminToken}` };
    const created = (await (await app.request('/api/sessions', json({}, auth))).json()) as {
      session: { id: string; roomName: string };
    };
    const res = await app.request(`/api/sessions/${created.session.id}/end`, json({}, auth));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ alreadyEnded: false, roomClosed: false });
    expect(rooms.closed).toEqual([created.session.roomName]);
    expect(logger.lines.join('\n')).toMatch(/ended by admin \(room not closed\)/);
    const unknown = await app.request('/api/sessions/no-such-session/end', json({}, auth));
    expect(unknown.status).toBe(404);
  });

  it('keeps the room open past the idle end so the agent can end an abandoned session', () => {
    expect(departureTimeoutSeconds({ sessionIdleEndMinutes: 10 })).toBe(660);
    expect(departureTimeoutSeconds({ sessionIdleEndMinutes: 0.25 })).toBe(75);
  });
});
