import {
  type InterviewPlan,
  interviewPlanSchema,
  MAX_PLAN_BYTES,
  planReportSchema,
  scorecardJson,
  scorecardMarkdown,
} from '@interview-helper/protocol';
import { AuditStore, type InterviewStore, type PlanStore, StorageError } from '@interview-helper/storage';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Credentials } from './credentials.js';
import { ApiError } from './errors.js';

/**
 * Validates a plan from a request body: `invalid_plan` (400) naming the first problems, `plan_too_large` (413)
 * past {@link MAX_PLAN_BYTES}.
 */
export function parsePlan(raw: unknown): InterviewPlan {
  const bytes = new TextEncoder().encode(JSON.stringify(raw ?? null)).byteLength;
  if (bytes > MAX_PLAN_BYTES)
    throw new ApiError(
      'plan_too_large',
      `the plan is ${bytes} bytes; at most ${MAX_PLAN_BYTES} are accepted`,
    );
  const parsed = interviewPlanSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${['plan', ...i.path.map(String)].join('.')}: ${i.message}`)
      .join('; ');
    throw new ApiError('invalid_plan', detail);
  }
  return parsed.data;
}

const putBody = z.object({
  plan: z.unknown(),
  /** Apply only on top of this revision (optimistic concurrency); `plan_conflict` otherwise. */
  revision: z.number().int().positive().optional(),
});

const planBody = (p: { revision: number; plan: unknown; updatedAt: Date; updatedBy: string }) => ({
  revision: p.revision,
  plan: p.plan,
  updatedAt: p.updatedAt.toISOString(),
  updatedBy: p.updatedBy,
});

/**
 * The interview plan of a session, for its interviewers only (`Authorization: Bearer <interviewer invite>`):
 *
 * - `GET /sessions/:id/plan` → `{ revision, plan, updatedAt, updatedBy }` (`not_found` without a plan);
 * - `PUT /sessions/:id/plan` with `{ plan, revision? }` → the stored plan (a new revision; the agent picks it up
 *   within seconds and sends it to the interviewers). Errors: `invalid_plan`, `plan_too_large`, `plan_conflict`
 *   (`revision` is not the current one), `session_ended`;
 * - `GET /sessions/:id/scorecard?format=md|json` → the scorecard draft of the report (`not_found` until the
 *   report is written, or when the session had no plan).
 */
export function planRoutes(store: InterviewStore, plans: PlanStore, credentials: Credentials): Hono {
  const app = new Hono();
  const audit = new AuditStore(store.database);
  app.get('/sessions/:id/plan', async (c) => {
    const session = await credentials.interviewerSession(c, store);
    const stored = await plans.getPlan(session.id);
    if (!stored) throw new ApiError('not_found', 'this session has no plan');
    c.header('cache-control', 'no-store');
    return c.json(planBody(stored));
  });

  app.put('/sessions/:id/plan', async (c) => {
    const session = await credentials.interviewerSession(c, store);
    if (session.endedAt) throw new ApiError('session_ended', 'this interview session has ended');
    const raw = await c.req.json().catch(() => {
      throw new ApiError('invalid_request', 'the body must be JSON: { "plan": { … } }');
    });
    const body = putBody.safeParse(raw);
    if (!body.success || body.data.plan === undefined)
      throw new ApiError('invalid_request', 'the body must be { "plan": { … }, "revision"?: n }');
    const plan = parsePlan(body.data.plan);
    try {
      const stored = await plans.setPlan(session.id, plan, 'api', {
        ...(body.data.revision ? { expectedRevision: body.data.revision } : {}),
      });
      await audit.appendAudit({
        sessionId: session.id,
        kind: 'plan.edit',
        actor: 'interviewer',
        data: { revision: stored.revision, items: plan.items.length, via: 'api' },
        at: stored.updatedAt,
      });
      return c.json(planBody(stored));
    } catch (err) {
      if (err instanceof StorageError && err.code === 'conflict')
        throw new ApiError('plan_conflict', `the plan is no longer at revision ${body.data.revision}`);
      throw err;
    }
  });

  app.get('/sessions/:id/scorecard', async (c) => {
    const session = await credentials.interviewerSession(c, store);
    const format = c.req.query('format') ?? 'json';
    if (format !== 'json' && format !== 'md')
      throw new ApiError('invalid_request', 'format must be "json" or "md"');
    const row = await store.getReport(session.id);
    const report = row?.report as
      | { generatedAt?: string; plan?: unknown; participants?: unknown }
      | undefined;
    const plan = planReportSchema.safeParse(report?.plan);
    if (!report || !plan.success)
      throw new ApiError(
        'not_found',
        'no scorecard draft: it is written with the report when a planned session ends',
      );
    const meta = { sessionId: session.id, generatedAt: String(report.generatedAt ?? '') };
    c.header('cache-control', 'no-store');
    if (format === 'md') {
      c.header('content-type', 'text/markdown; charset=utf-8');
      c.header('content-disposition', `attachment; filename="scorecard-${session.id}.md"`);
      return c.body(scorecardMarkdown(plan.data, meta));
    }
    const interviewers = Array.isArray(report.participants)
      ? [
          ...new Set(
            (report.participants as { role?: string; name?: string }[])
              .filter((p) => p.role === 'interviewer')
              .map((p) => p.name ?? ''),
          ),
        ].filter(Boolean)
      : [];
    return c.json(scorecardJson(plan.data, { ...meta, interviewers }));
  });
  return app;
}

/** Stores the plan a session was created with (revision 1). */
export function savePlanAtCreation(
  plans: PlanStore,
  sessionId: string,
  plan: InterviewPlan,
): Promise<unknown> {
  return plans.setPlan(sessionId, plan, 'create');
}
