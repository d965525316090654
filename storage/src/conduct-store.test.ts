import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConductStore } from './conduct-store.js';
import { hashInvite } from './invites.js';
import { InterviewStore } from './store.js';
import { storageTargets } from './testing.js';

const T0 = Date.UTC(2026, 0, 1, 12);

describe.each(storageTargets())('ConductStore on $name', (target) => {
  let store: InterviewStore;
  let conduct: ConductStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const { opened, cleanup: c } = await target.open();
    store = new InterviewStore(opened.db);
    conduct = new ConductStore(opened.db);
    cleanup = c;
  });
  afterAll(() => cleanup?.());

  it("keeps each interviewer's notes with their session, updates them in place and records delivery", async () => {
    const s = await store.createSession({
      roomName: `interview-${randomUUID()}`,
      candidateInviteHash: hashInvite(`c-${randomUUID()}`),
      interviewerInviteHash: hashInvite(`i-${randomUUID()}`),
    });
    const note = {
      id: `conduct-${randomUUID()}`,
      sessionId: s.id,
      interviewerIdentity: 'interviewer-a',
      kind: 'protected-topic',
      topic: 'family',
      text: 'Your question asks about family plans.',
      quote: 'Are you planning to have children soon?',
      rephrase: 'Can you meet the schedule?',
      severity: 'warning' as const,
      source: 'rules' as const,
      evidence: ['seg-1'],
      observedAt: T0,
      createdAt: T0 + 900,
    };
    await conduct.upsert(note);
    await conduct.upsert({
      ...note,
      id: `conduct-${randomUUID()}`,
      interviewerIdentity: 'interviewer-b',
      kind: 'monologue',
      severity: 'info',
      text: 'You spoke for 65 s without a break.',
    });
    await conduct.upsert({ ...note, source: 'llm', rephrase: 'Better rephrase.' });
    await conduct.delivered(note.id, T0 + 950);
    const mine = await conduct.list(s.id, 'interviewer-a');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      sessionId: s.id,
      source: 'llm',
      rephrase: 'Better rephrase.',
      topic: 'family',
    });
    expect(mine[0]?.deliveredAt?.getTime()).toBe(T0 + 950);
    expect((await conduct.list(s.id)).map((r) => r.interviewerIdentity).sort()).toEqual([
      'interviewer-a',
      'interviewer-b',
    ]);
  });
});
