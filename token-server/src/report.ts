import type { InterviewStore } from '@interview-helper/storage';
import { Hono } from 'hono';
import type { Credentials } from './credentials.js';
import { ApiError } from './errors.js';

/**
 * `GET /sessions/:id/report`: the report the agent stored when the session ended, as JSON. Only for the
 * session's interviewers: `Authorization: Bearer <interviewer invite>`. Errors: `invalid_request` (an id
 * that cannot exist), `unauthorized` (no or wrong credentials; the same answer for an unknown session, so
 * ids cannot be probed), `too_many_attempts` (too many wrong invites), `not_found` (no report yet).
 */
export function reportRoutes(store: InterviewStore, credentials: Credentials): Hono {
  const app = new Hono();
  app.get('/sessions/:id/report', async (c) => {
    const session = await credentials.interviewerSession(c, store);
    const row = await store.getReport(session.id);
    if (!row) throw new ApiError('not_found', 'no report yet: it is written when the session ends');
    c.header('cache-control', 'no-store');
    return c.json(row.report);
  });
  return app;
}
