import { readFileSync } from 'node:fs';
import { MAX_PLAN_BYTES, type PlanReport } from '@interview-helper/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, json, openTestApp } from './test-support.js';

const examplePlan = JSON.parse(
  readFileSync(new URL('../../plans/backend-coding.json', import.meta.url), 'utf8'),
) as { durationMinutes: number; items: { id: string; question: string }[] };

describe('interview plan API', () => {
  let t: Awaited<ReturnType<typeof openTestApp>>;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(() => t?.database.close());

  const auth = (invite: string) => ({ authorization: `Bearer ${invite}` });
  const put = (id: string, invite: string, body: unknown) =>
    t.app.request(`/api/sessions/${id}/plan`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...auth(invite) },
      body: JSON.stringify(body),
    });

  it('stores the plan given at creation and serves it to interviewers only', async () => {
    const created = await createSession(t.app, { title: 'Backend', plan: examplePlan });
    const res = await t.app.request(`/api/sessions/${created.session.id}/plan`, {
      headers: auth(created.invites.interviewer),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { revision: number; plan: typeof examplePlan; updatedBy: string };
    expect(body).toMatchObject({ revision: 1, updatedBy: 'create' });
    expect(body.plan.items.map((i) => i.id)).toEqual(examplePlan.items.map((i) => i.id));
    const asCandidate = await t.app.request(`/api/sessions/${created.session.id}/plan`, {
      headers: auth(created.invites.candidate),
    });
    expect(asCandidate.status).toBe(401);
    expect(((await asCandidate.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('refuses a malformed or oversized plan at creation with a code', async () => {
    const bad = await t.app.request('/api/sessions', json({ plan: { durationMinutes: 0, items: [] } }));
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as { error: { code: string; message: string } };
    expect(badBody.error.code).toBe('invalid_plan');
    expect(badBody.error.message).toMatch(/plan\.durationMinutes/);
    const dup = await t.app.request(
      '/api/sessions',
      json({ plan: { durationMinutes: 30, items: [examplePlan.items[0], examplePlan.items[0]] } }),
    );
    expect(((await dup.json()) as { error: { code: string } }).error.code).toBe('invalid_plan');
    // larger than MAX_PLAN_BYTES but inside the request body limit
    const item = (i: number) => ({
      id: `q${i}`,
      competency: 'X',
      question: 'Q'.repeat(400),
      rubric: 'R'.repeat(900),
    });
    const big = { durationMinutes: 30, items: Array.from({ length: 10 }, (_, i) => item(i)) };
    expect(JSON.stringify(big).length).toBeGreaterThan(MAX_PLAN_BYTES);
    const tooLarge = await t.app.request('/api/sessions', json({ plan: big }));
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toMatch(
      /plan_too_large|payload_too_large/,
    );
  });

  it('lets interviewers edit the plan (a new revision), refuses stale revisions, bad plans and candidates', async () => {
    const created = await createSession(t.app, { plan: examplePlan });
    const id = created.session.id;
    const edited = { ...examplePlan, durationMinutes: 30 };
    const ok = await put(id, created.invites.interviewer, { plan: edited, revision: 1 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ revision: 2, updatedBy: 'api', plan: { durationMinutes: 30 } });
    const stale = await put(id, created.invites.interviewer, { plan: edited, revision: 1 });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('plan_conflict');
    const invalid = await put(id, created.invites.interviewer, { plan: { items: 'none' } });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { code: string } }).error.code).toBe('invalid_plan');
    const candidate = await put(id, created.invites.candidate, { plan: edited });
    expect(candidate.status).toBe(401);
    const notJson = await t.app.request(`/api/sessions/${id}/plan`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...auth(created.invites.interviewer) },
      body: '{"plan":',
    });
    expect(notJson.status).toBe(400);
    // a session created without a plan gets one by PUT
    const plain = await createSession(t.app, {});
    expect(
      (
        await t.app.request(`/api/sessions/${plain.session.id}/plan`, {
          headers: auth(plain.invites.interviewer),
        })
      ).status,
    ).toBe(404);
    expect((await put(plain.session.id, plain.invites.interviewer, { plan: examplePlan })).status).toBe(200);
  });

  it('exports the scorecard draft of the report as Markdown and ATS JSON', async () => {
    const created = await createSession(t.app, { plan: examplePlan });
    const id = created.session.id;
    const url = (f: string) => `/api/sessions/${id}/scorecard?format=${f}`;
    expect((await t.app.request(url('md'), { headers: auth(created.invites.interviewer) })).status).toBe(404);
    const plan: PlanReport = {
      revision: 1,
      title: 'Backend',
      durationMinutes: 45,
      asked: 1,
      total: 2,
      notAsked: ['testing'],
      items: [
        {
          id: 'coding-duplicates',
          competency: 'Problem solving',
          question: 'Write a function that returns the first duplicate.',
          status: 'answered',
          askedAt: '2026-01-01T12:01:00.000Z',
          matchedBy: 'keywords',
          candidateSeconds: 42,
          candidateWords: 96,
          notes: [
            {
              segmentId: 'seg-7',
              at: '2026-01-01T12:01:20.000Z',
              offsetSeconds: 80,
              text: 'I would use a set.',
            },
          ],
        },
        {
          id: 'testing',
          competency: 'Code quality',
          question: 'How would you test this function?',
          status: 'not-asked',
          askedAt: null,
          matchedBy: null,
          candidateSeconds: 0,
          candidateWords: 0,
          notes: [],
        },
      ],
      scorecard: {
        status: 'draft',
        source: 'rules',
        competencies: [
          {
            competency: 'Problem solving',
            items: ['coding-duplicates'],
            observation: 'Asked 1 of 1 question; the candidate spoke 42 s.',
            evidence: [
              {
                itemId: 'coding-duplicates',
                segmentId: 'seg-7',
                at: '2026-01-01T12:01:20.000Z',
                offsetSeconds: 80,
                text: 'I would use a set.',
              },
            ],
            score: null,
          },
        ],
      },
    };
    await t.store.saveReport(id, {
      generatedAt: '2026-01-01T12:30:00.000Z',
      participants: [{ role: 'interviewer', name: 'Ada' }],
      plan,
    });
    const md = await t.app.request(url('md'), { headers: auth(created.invites.interviewer) });
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toMatch(/text\/markdown/);
    const text = await md.text();
    expect(text).toContain('# Scorecard draft: Backend');
    expect(text).toContain('- [1:20] I would use a set. (`seg-7`)');
    expect(text).toContain('Not asked: testing.');
    const ats = await t.app.request(url('json'), { headers: auth(created.invites.interviewer) });
    const body = (await ats.json()) as {
      status: string;
      interview: { interviewers: string[] };
      attributes: { name: string; rating: null; evidence: { quote: string; segmentId: string }[] }[];
    };
    expect(body.status).toBe('draft');
    expect(body.interview.interviewers).toEqual(['Ada']);
    expect(body.attributes[0]).toMatchObject({ name: 'Problem solving', rating: null });
    expect(body.attributes[0]?.evidence[0]).toMatchObject({
      quote: 'I would use a set.',
      segmentId: 'seg-7',
    });
    expect((await t.app.request(url('xml'), { headers: auth(created.invites.interviewer) })).status).toBe(
      400,
    );
  });
});
