import { DISCLOSURE } from '@interview-helper/protocol';
import { type AuditLog, AuditStore, ConsentStore, HintStore } from '@interview-helper/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, openTestApp, requestToken } from './test-support.js';

const T0 = Date.UTC(2026, 0, 1, 12);

describe('audit and consent routes', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(() => t?.database.close());

  const get = (id: string, invite?: string, query = '') =>
    t.app.request(
      `/api/sessions/${id}/audit${query}`,
      invite ? { headers: { authorization: `Bearer ${invite}` } } : {},
    );

  it('serves the disclosure and its version', async () => {
    const res = await t.app.request('/api/disclosure');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(DISCLOSURE)));
  });

  it("serves the session's audit log to its interviewers: consent, hint decisions, deliveries and drops", async () => {
    const created = await createSession(t.app);
    const id = created.session.id;
    const db = t.database.db;
    await new ConsentStore(db).recordConsent({
      sessionId: id,
      identity: 'candidate-1',
      action: 'given',
      disclosureVersion: DISCLOSURE.version,
      groups: ['voice', 'camera'],
      source: 'data-message',
      at: T0,
    });
    await t.store.insertSignals([
      {
        id: 'sig-1',
        sessionId: id,
        analyser: 'turns',
        kind: 'long-pause',
        media: 'audio',
        range: { start: T0, end: T0 + 8000 },
        values: { silenceSeconds: 8, thresholdSeconds: 8, after: 'interviewer' },
        confidence: 1,
        summary: 'silent',
      },
    ]);
    await t.store.insertHint({
      id: 'hint-1',
      sessionId: id,
      kind: 'long-pause',
      text: 'No answer for 8 s.',
      evidence: ['sig-1'],
      confidence: 0.9,
      source: 'rules',
      createdAt: T0 + 8010,
      decidedAt: T0 + 8010,
      why: {
        trigger: 'long-pause',
        priority: 3,
        inputs: [{ id: 'sig-1', kind: 'long-pause', at: T0 + 8000 }],
        facts: { seconds: 8 },
        thresholds: { minSeconds: 8 },
        source: 'rules',
        confidence: 0.9,
        triggerAt: T0 + 8000,
        decidedAt: T0 + 8010,
        validUntil: T0 + 28_000,
      },
    });
    const hints = new HintStore(db);
    await hints.addHintRecipients('hint-1', ['interviewer-1'], T0 + 8020);
    await hints.addHintDrops('hint-1', [{ identity: 'interviewer-2', reason: 'expired', at: T0 + 28_000 }]);

    const res = await get(id, created.invites.interviewer);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const log = (await res.json()) as AuditLog;
    expect(log.sessionId).toBe(id);
    expect(log.entries.map((e) => e.kind)).toEqual([
      'consent.given',
      'hint.decided',
      'hint.sent',
      'hint.dropped',
      'audit.export',
    ]);
    expect(log.entries[1]?.data).toMatchObject({
      trigger: 'long-pause',
      model: 'rules',
      evidence: ['sig-1'],
    });
    expect(log.entries[2]?.data).toMatchObject({ recipients: ['interviewer-1'], heldMs: 10 });
    expect(log.entries[3]?.data).toEqual({ identity: 'interviewer-2', reason: 'expired' });
    expect(log.signals['sig-1']).toMatchObject({ kind: 'long-pause', values: { silenceSeconds: 8 } });

    // Exportable as a file; each read is in the log.
    const file = await get(id, created.invites.interviewer, '?download=1');
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="audit-${id}.json"`);
    const exports = await new AuditStore(db).listAudit(id, { kindPrefix: 'audit.' });
    expect(exports.map((e) => e.data.download)).toEqual([false, true]);
  });

  it('refuses the candidate invite, no invite, a wrong one and an unknown session alike', async () => {
    const created = await createSession(t.app);
    const id = created.session.id;
    for (const res of [
      await get(id),
      await get(id, created.invites.candidate),
      await get(id, 'guess'),
      await get('no-such-session', created.invites.interviewer),
    ]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    // An id no session can have is malformed input, refused before any lookup.
    const malformed = await get('x'.repeat(300), created.invites.interviewer);
    expect(malformed.status).toBe(400);
    expect(await new AuditStore(t.database.db).listAudit(id)).toEqual([]);
  });

  it('stores the accommodations set at session creation and repeats them in the token answer', async () => {
    const created = await createSession(t.app, { accommodations: ['gaze', 'posture'] });
    expect((await t.store.getSession(created.session.id))?.settings).toMatchObject({
      accommodations: ['gaze', 'posture'],
    });
    const token = await requestToken(t.app, {
      session: created.session.id,
      role: 'candidate',
      name: 'Cam',
      invite: created.invites.candidate,
    });
    expect((token.body as { accommodations?: string[] }).accommodations).toEqual(['gaze', 'posture']);
    const bad = await t.app.request('/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accommodations: ['mood'] }),
    });
    expect(bad.status).toBe(400);
  });

  it('records a consent given with the token request for the identity it issues, candidates only', async () => {
    const created = await createSession(t.app);
    const consent = {
      disclosureVersion: DISCLOSURE.version,
      groups: ['voice', 'camera'],
      accommodations: ['gaze'],
    };
    const ok = await requestToken(t.app, {
      session: created.session.id,
      role: 'candidate',
      name: 'Cam',
      invite: created.invites.candidate,
      consent,
    });
    expect(ok.status).toBe(200);
    expect((ok.body as { consentRecorded?: boolean }).consentRecorded).toBe(true);
    const row = await new ConsentStore(t.database.db).currentConsent(
      created.session.id,
      ok.body.identity as string,
    );
    expect(row).toMatchObject({ action: 'given', source: 'token-request', groups: ['voice', 'camera'] });
    expect(row?.accommodations).toEqual(['gaze']);

    const interviewer = await requestToken(t.app, {
      session: created.session.id,
      role: 'interviewer',
      name: 'Ivy',
      invite: created.invites.interviewer,
      consent,
    });
    expect(interviewer.status).toBe(400);
    const outdated = await requestToken(t.app, {
      session: created.session.id,
      role: 'candidate',
      name: 'Cam',
      invite: created.invites.candidate,
      consent: { ...consent, disclosureVersion: '1999-01-01' },
    });
    expect(outdated.status).toBe(400);
    expect(outdated.body.error?.message).toMatch(/not the current one/);
    const none = await requestToken(t.app, {
      session: created.session.id,
      role: 'candidate',
      name: 'Cam',
      invite: created.invites.candidate,
    });
    expect((none.body as { consentRecorded?: boolean }).consentRecorded).toBe(false);
    expect(await new ConsentStore(t.database.db).listConsents(created.session.id)).toHaveLength(1);
  });
});
