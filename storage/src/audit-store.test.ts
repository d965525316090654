import { randomUUID } from 'node:crypto';
import type { HintWhy } from '@interview-helper/protocol';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditLog, AuditStore } from './audit-store.js';
import { ConsentStore } from './consent-store.js';
import type { Database } from './database.js';
import { sqlState } from './errors.js';
import { HintStore } from './hint-store.js';
import { hashInvite } from './invites.js';
import { InterviewStore } from './store.js';
import { storageTargets } from './testing.js';

const T0 = Date.UTC(2026, 0, 1, 12);

/** What a reader of the audit log alone learns about each hint decision. */
function replay(log: AuditLog) {
  return log.entries
    .filter((e) => e.kind === 'hint.decided')
    .map((d) => {
      const why = d.data.why as HintWhy;
      const of = (kind: string) => log.entries.filter((e) => e.kind === kind && e.subject === d.subject);
      return {
        hint: d.subject,
        trigger: why.trigger,
        model: d.data.model,
        read: why.inputs.map((i) => ({ kind: log.signals[i.id]?.kind, values: log.signals[i.id]?.values })),
        thresholds: why.thresholds,
        sentTo: of('hint.sent').flatMap((e) => e.data.recipients as string[]),
        dropped: of('hint.dropped').map((e) => `${e.data.identity}:${e.data.reason}`),
        feedback: of('hint.feedback').map((e) => e.data.useful),
      };
    });
}

describe.each(storageTargets())('AuditStore and ConsentStore on $name', (target) => {
  let db: Database;
  let store: InterviewStore;
  let audit: AuditStore;
  let consent: ConsentStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const { opened, cleanup: c } = await target.open();
    db = opened.db;
    store = new InterviewStore(db);
    audit = new AuditStore(db);
    consent = new ConsentStore(db);
    cleanup = c;
  });
  afterAll(() => cleanup?.());

  const newSession = () =>
    store.createSession({
      roomName: `interview-${randomUUID()}`,
      candidateInviteHash: hashInvite(`c-${randomUUID()}`),
      interviewerInviteHash: hashInvite(`i-${randomUUID()}`),
    });

  it('replays the hint decisions of a session from the audit log alone', async () => {
    const s = await newSession();
    const hintStore = new HintStore(db);
    await store.insertSignals([
      {
        id: 'sig-pause',
        sessionId: s.id,
        analyser: 'turns',
        kind: 'long-pause',
        media: 'audio',
        range: { start: T0, end: T0 + 9000 },
        values: { silenceSeconds: 9, thresholdSeconds: 8, after: 'interviewer' },
        confidence: 1,
        summary: 'silent 9 s',
      },
      {
        id: 'sig-look',
        sessionId: s.id,
        analyser: 'face',
        kind: 'look-away',
        media: 'video',
        range: { start: T0 + 1000, end: T0 + 3000 },
        values: { observations: 4, meanNoseOffset: 0.4, direction: 'image-left' },
        confidence: 0.9,
        summary: 'looked away',
      },
    ]);
    const why = (trigger: string, input: string, source: string): HintWhy => ({
      trigger,
      priority: 3,
      inputs: [{ id: input, kind: trigger, at: T0 + 9000 }],
      facts: { seconds: 9 },
      thresholds: { minSeconds: 8, validSeconds: 20 },
      source,
      confidence: 0.8,
      triggerAt: T0 + 9000,
      decidedAt: T0 + 9010,
      validUntil: T0 + 29_000,
    });
    await store.insertHint({
      id: 'hint-pause',
      sessionId: s.id,
      kind: 'long-pause',
      text: 'No answer for 9 s.',
      evidence: ['sig-pause'],
      confidence: 0.8,
      source: 'llm',
      createdAt: T0 + 9010,
      decidedAt: T0 + 9010,
      triggerSignalId: 'sig-pause',
      why: why('long-pause', 'sig-pause', 'claude-haiku-4-5'),
    });
    await hintStore.addHintRecipients('hint-pause', ['ivy'], T0 + 9100);
    await hintStore.addHintDrops('hint-pause', [{ identity: 'ian', reason: 'expired', at: T0 + 30_000 }]);
    await store.insertHint({
      id: 'hint-look',
      sessionId: s.id,
      kind: 'look-away',
      text: 'Looked away three times.',
      evidence: ['sig-look'],
      confidence: 0.6,
      source: 'rules',
      createdAt: T0 + 12_000,
      decidedAt: T0 + 12_000,
      why: why('look-away', 'sig-look', 'rules'),
    });
    await hintStore.addHintDrops('hint-look', [
      { identity: 'ivy', reason: 'superseded', at: T0 + 12_500 },
      { identity: 'ian', reason: 'condition-ended', at: T0 + 12_600 },
    ]);
    await audit.appendAudit({
      sessionId: s.id,
      kind: 'hint.feedback',
      actor: 'ivy',
      subject: 'hint-pause',
      data: { useful: true },
      at: T0 + 10_000,
    });
    // The hint row's own feedback is not repeated when an appended event carries it.
    await store.recordHintFeedback({ sessionId: s.id, hintId: 'hint-pause', useful: true, at: T0 + 10_000 });

    const log = await audit.auditLog(s.id, T0 + 60_000);
    expect(log.entries.map((e) => e.at)).toEqual([...log.entries.map((e) => e.at)].sort((a, b) => a - b));
    expect(replay(log)).toEqual([
      {
        hint: 'hint-pause',
        trigger: 'long-pause',
        model: 'claude-haiku-4-5',
        read: [
          { kind: 'long-pause', values: { silenceSeconds: 9, thresholdSeconds: 8, after: 'interviewer' } },
        ],
        thresholds: { minSeconds: 8, validSeconds: 20 },
        sentTo: ['ivy'],
        dropped: ['ian:expired'],
        feedback: [true],
      },
      {
        hint: 'hint-look',
        trigger: 'look-away',
        model: 'rules',
        read: [
          { kind: 'look-away', values: { observations: 4, meanNoseOffset: 0.4, direction: 'image-left' } },
        ],
        thresholds: { minSeconds: 8, validSeconds: 20 },
        sentTo: [],
        dropped: ['ivy:superseded', 'ian:condition-ended'],
        feedback: [],
      },
    ]);
    const sent = log.entries.find((e) => e.kind === 'hint.sent');
    expect(sent?.data.heldMs).toBe(90);
    // JSON round trip (the export) keeps everything.
    expect(JSON.parse(JSON.stringify(log))).toEqual(log);
  });

  it('records consent, withdrawal and refusals with their audit events', async () => {
    const s = await newSession();
    const base = { sessionId: s.id, identity: 'candidate-a', source: 'data-message' };
    expect(await consent.currentConsent(s.id, 'candidate-a')).toBeUndefined();
    await consent.recordConsent({
      ...base,
      action: 'given',
      disclosureVersion: 'v1',
      groups: ['voice', 'camera'],
      accommodations: ['gaze'],
      at: T0,
    });
    await consent.recordConsent({
      ...base,
      identity: 'candidate-a',
      actor: 'interviewer-x',
      action: 'refused',
      reason: 'sender is an interviewer',
      at: T0 + 500,
    });
    expect(await consent.currentConsent(s.id, 'candidate-a')).toMatchObject({
      action: 'given',
      groups: ['voice', 'camera'],
      accommodations: ['gaze'],
      disclosureVersion: 'v1',
    });
    await consent.recordConsent({ ...base, action: 'withdrawn', at: T0 + 1000 });
    expect((await consent.currentConsent(s.id, 'candidate-a'))?.action).toBe('withdrawn');
    expect((await consent.listConsents(s.id)).map((c) => c.action)).toEqual([
      'given',
      'refused',
      'withdrawn',
    ]);
    const events = await audit.listAudit(s.id, { kindPrefix: 'consent.' });
    expect(events.map((e) => [e.kind, e.actor, e.subject])).toEqual([
      ['consent.given', 'candidate-a', 'candidate-a'],
      ['consent.refused', 'interviewer-x', 'candidate-a'],
      ['consent.withdrawn', 'candidate-a', 'candidate-a'],
    ]);
    expect(events[0]?.data).toMatchObject({ disclosureVersion: 'v1', groups: ['voice', 'camera'] });
  });

  it('refuses to change an audit or consent row and rejects events of unknown sessions', async () => {
    const s = await newSession();
    await audit.appendAudit({ sessionId: s.id, kind: 'export', actor: 'token-server', at: T0 });
    await consent.recordConsent({
      sessionId: s.id,
      identity: 'c',
      action: 'given',
      disclosureVersion: 'v1',
      groups: ['voice'],
      source: 'data-message',
      at: T0,
    });
    const refused = (err: unknown) =>
      sqlState(err) === '23001' && /append-only/.test(String((err as Error).cause ?? err));
    await expect(
      db.execute(sql`update audit_events set kind = 'x' where session_id = ${s.id}`),
    ).rejects.toSatisfy(refused);
    await expect(
      db.execute(sql`update consent_events set action = 'withdrawn' where session_id = ${s.id}`),
    ).rejects.toSatisfy(refused);
    expect((await audit.listAudit(s.id)).map((e) => e.kind)).toEqual(['export', 'consent.given']);
    await expect(
      audit.appendAudit({ sessionId: 'no-such-session', kind: 'export', actor: 'x' }),
    ).rejects.toMatchObject({ code: 'session_not_found' });
    expect(await audit.appendAudit([])).toBe(0);
  });
});
