import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashInvite } from './invites.js';
import { PlanStore } from './plan-store.js';
import { InterviewStore } from './store.js';
import { storageTargets } from './testing.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const plan = (q: string) => ({ durationMinutes: 45, items: [{ id: 'a', competency: 'X', question: q }] });

describe.each(storageTargets())('PlanStore on $name', (target) => {
  let store: InterviewStore;
  let plans: PlanStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const { opened, cleanup: c } = await target.open();
    store = new InterviewStore(opened.db);
    plans = new PlanStore(opened.db);
    cleanup = c;
  });
  afterAll(() => cleanup?.());

  const newSession = () =>
    store.createSession({
      roomName: `interview-${randomUUID()}`,
      candidateInviteHash: hashInvite(`c-${randomUUID()}`),
      interviewerInviteHash: hashInvite(`i-${randomUUID()}`),
    });

  it('keeps one plan per session, a new revision per edit, and refuses an edit on a stale revision', async () => {
    const s = await newSession();
    expect(await plans.getPlan(s.id)).toBeUndefined();
    expect(await plans.revision(s.id)).toBe(0);
    const first = await plans.setPlan(s.id, plan('Q1'), 'create', { at: T0 });
    expect(first).toMatchObject({ revision: 1, updatedBy: 'create', plan: plan('Q1') });
    const second = await plans.setPlan(s.id, plan('Q2'), 'interviewer-1', { expectedRevision: 1 });
    expect(second.revision).toBe(2);
    await expect(plans.setPlan(s.id, plan('Q3'), 'api', { expectedRevision: 1 })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect((await plans.getPlan(s.id))?.plan).toEqual(plan('Q2'));
    expect(await plans.revision(s.id)).toBe(2);
  });

  it('stores the coverage snapshot beside the plan, and refuses a plan for an unknown session', async () => {
    const s = await newSession();
    expect(await plans.saveCoverage(s.id, { items: [] })).toBe(false);
    await plans.setPlan(s.id, plan('Q1'), 'create');
    expect(await plans.saveCoverage(s.id, { items: [{ id: 'a' }] }, T0)).toBe(true);
    expect(await plans.getCoverage(s.id)).toEqual({ coverage: { items: [{ id: 'a' }] }, at: new Date(T0) });
    await expect(plans.setPlan('no-such-session', plan('Q'), 'api')).rejects.toMatchObject({
      code: 'session_not_found',
    });
  });
});
