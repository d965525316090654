import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, openTestApp } from './test-support.js';

describe('GET /api/sessions/:id/report', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(() => t?.database.close());

  const get = (id: string, invite?: string) =>
    t.app.request(
      `/api/sessions/${id}/report`,
      invite ? { headers: { authorization: `Bearer ${invite}` } } : {},
    );

  it('serves the stored report to the interviewer invite only', async () => {
    const created = await createSession(t.app);
    const id = created.session.id;
    const none = await get(id, created.invites.interviewer);
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('not_found');

    await t.store.saveReport(id, { version: 1, summary: { source: 'rules', text: 'Session of 1 min.' } });
    const ok = await get(id, created.invites.interviewer);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.json()).toEqual({ version: 1, summary: { source: 'rules', text: 'Session of 1 min.' } });

    for (const res of [await get(id), await get(id, created.invites.candidate), await get(id, 'guess')]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('answers an unknown session like a wrong invite, so ids cannot be probed', async () => {
    const created = await createSession(t.app);
    const res = await get('no-such-session', created.invites.interviewer);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    // An id that cannot exist is malformed input, refused before storage.
    for (const bad of ['x'.repeat(300), 'a%00b', 'a%0Ab', '%ED%A0%80'])
      expect((await get(bad, created.invites.interviewer)).status, bad).toBe(400);
  });
});
