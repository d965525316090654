import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HintStore } from './hint-store.js';
import { hashInvite } from './invites.js';
import { InterviewStore } from './store.js';
import { storageTargets } from './testing.js';

const T0 = Date.UTC(2026, 0, 1, 12);

describe.each(storageTargets())('HintStore on $name', (target) => {
  let store: InterviewStore;
  let hintStore: HintStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const { opened, cleanup: c } = await target.open();
    store = new InterviewStore(opened.db);
    hintStore = new HintStore(opened.db);
    cleanup = c;
  });
  afterAll(() => cleanup?.());

  const newSession = () =>
    store.createSession({
      roomName: `interview-${randomUUID()}`,
      candidateInviteHash: hashInvite(`c-${randomUUID()}`),
      interviewerInviteHash: hashInvite(`i-${randomUUID()}`),
    });

  it('stores the delivery timeline, recipients and merged near-duplicates of a hint', async () => {
    const s = await newSession();
    const id = `hint-${randomUUID()}`;
    await store.insertHint({
      id,
      sessionId: s.id,
      kind: 'long-pause',
      text: 'No speech for 8 s after the question.',
      evidence: ['sig-a'],
      confidence: 0.9,
      source: 'llm',
      createdAt: T0 + 100,
      triggerSignalId: 'sig-a',
      triggerAt: T0,
      decidedAt: T0 + 5,
      llmFirstTokenAt: T0 + 60,
      recipients: ['ivy'],
    });
    expect(await hintStore.mergeIntoHint(id, ['sig-b', 'sig-a'])).toBe(true);
    expect(await hintStore.mergeIntoHint(id, ['sig-c'])).toBe(true);
    expect(await hintStore.addHintRecipients(id, ['ivy', 'ian'], T0 + 120)).toBe(true);
    expect(await hintStore.addHintRecipients(id, ['ida'], T0 + 900)).toBe(true);
    expect(await hintStore.mergeIntoHint('no-such-hint', ['x'])).toBe(false);
    expect(await hintStore.addHintRecipients('no-such-hint', ['x'])).toBe(false);
    const [row] = await store.listHints(s.id);
    expect(row).toMatchObject({
      triggerSignalId: 'sig-a',
      triggerAt: new Date(T0),
      decidedAt: new Date(T0 + 5),
      llmFirstTokenAt: new Date(T0 + 60),
      publishedAt: new Date(T0 + 120),
      mergedCount: 2,
    });
    expect([...(row?.evidence ?? [])].sort()).toEqual(['sig-a', 'sig-b', 'sig-c']);
    expect([...(row?.recipients ?? [])].sort()).toEqual(['ian', 'ida', 'ivy']);
  });

  it('replaces what a hint says with what was sent (evidence only grows) and records drops with reasons', async () => {
    const s = await newSession();
    const id = `hint-${randomUUID()}`;
    const why = {
      trigger: 'long-pause',
      priority: 3,
      inputs: [{ id: 'sig-a', kind: 'silence', start: T0 - 8000, at: T0, values: { seconds: 8 } }],
      facts: { seconds: 12 },
      thresholds: { minSeconds: 8, validSeconds: 20, untilSpeech: true },
      source: 'rules',
      confidence: 0.9,
      triggerAt: T0,
      decidedAt: T0 + 5,
      sentAt: T0 + 4000,
      validUntil: T0 + 20_000,
    };
    await store.insertHint({
      id,
      sessionId: s.id,
      kind: 'long-pause',
      text: 'No speech for 8 s.',
      evidence: ['sig-a'],
      confidence: 0.9,
      source: 'llm',
      createdAt: T0 + 100,
      why: { ...why, facts: { seconds: 8 } },
    });
    expect(await hintStore.mergeIntoHint(id, ['sig-b'])).toBe(true);
    const update = {
      text: 'No speech for 12 s.',
      evidence: ['sig-a', 'seg-1'],
      confidence: 0.8,
      source: 'rules' as const,
      why,
    };
    expect(await hintStore.updateHint(id, update)).toBe(true);
    expect(await hintStore.addHintDrops(id, [{ identity: 'ian', reason: 'expired', at: T0 + 20_001 }])).toBe(
      true,
    );
    expect(
      await hintStore.addHintDrops(id, [{ identity: 'ida', reason: 'superseded', at: T0 + 30_000 }]),
    ).toBe(true);
    expect(await hintStore.updateHint('no-such-hint', update)).toBe(false);
    expect(await hintStore.addHintDrops('no-such-hint', [])).toBe(false);
    const [row] = await store.listHints(s.id);
    expect(row).toMatchObject({ text: 'No speech for 12 s.', confidence: 0.8, source: 'rules', why });
    expect([...(row?.evidence ?? [])].sort()).toEqual(['seg-1', 'sig-a', 'sig-b']);
    expect(row?.drops).toEqual([
      { identity: 'ian', reason: 'expired', at: T0 + 20_001 },
      { identity: 'ida', reason: 'superseded', at: T0 + 30_000 },
    ]);
  });

  it('stores one report per session, the latest replacing the earlier', async () => {
    const s = await newSession();
    expect(await store.getReport(s.id)).toBeUndefined();
    await store.saveReport(s.id, { version: 1, summary: 'first' }, T0);
    await store.saveReport(s.id, { version: 1, summary: 'second' }, T0 + 1000);
    const row = await store.getReport(s.id);
    expect(row?.report).toEqual({ version: 1, summary: 'second' });
    expect(row?.createdAt).toEqual(new Date(T0 + 1000));
    await expect(store.saveReport('no-such-session', {})).rejects.toMatchObject({
      code: 'session_not_found',
    });
  });
});
