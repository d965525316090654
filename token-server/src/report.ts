import { type InterviewStore, inviteMatches } from '@interview-helper/storage';
import { Hono } from 'hono';
import { ApiError } from './errors.js';

/**
 * `GET /sessions/:id/report`: the report the agent stored when the session ended, as JSON. Only for the
 * session's interviewers: `Authorization: Bearer <interviewer invite>`. Errors: `unauthorized` (no or
 * wrong credentials; the same answer for an unknown session, so ids cannot be probed), `not_found` (no
 * report yet).
 */
export function reportRoutes(store: InterviewStore): Hono {
  const app = new Hono();
  app.get('/sessions/:id/report', async (c) => {
    const invite = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    const id = c.req.param('id');
    const session = id.length <= 128 && invite ? await store.getSession(id) : undefined;
    if (!session || !inviteMatches(invite, session.interviewerInviteHash)) {
      throw new ApiError('unauthorized', "the session's interviewer invite is required as a bearer token");
    }
    const row = await store.getReport(session.id);
    if (!row) throw new ApiError('not_found', 'no report yet: it is written when the session ends');
    c.header('cache-control', 'no-store');
    return c.json(row.report);
  });
  return app;
}
