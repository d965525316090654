import { safeId } from '@interview-helper/protocol';
import type { InterviewStore } from '@interview-helper/storage';
import { Hono } from 'hono';
import type { Credentials } from './credentials.js';
import { ApiError } from './errors.js';

const sessionId = safeId(128);

/**
 * `GET /sessions/:id/report`: the report the agent stored when the session ended, as JSON. Only for the
 * session's interviewers: `Authorization: Bearer <interviewer invite>`. Errors: `invalid_request` (an id
 * that cannot exist), `unauthorized` (no or wrong credentials; the same answer for an unknown session, so
 * ids cannot be probed), `too_many_attempts` (too many wrong invites), `not_found` (no report yet).
 */
export function reportRoutes(store: InterviewStore, credentials: Credentials): Hono {
  const app = new Hono();
  app.get('/sessions/:id/report', async (c) => {
    const id = sessionId.safeParse(c.req.param('id'));
    if (!id.success) throw new ApiError('invalid_request', 'malformed session id');
    const invite = credentials.bearer(c);
    credentials.gate(c, id.data);
    const session = invite ? await store.getSession(id.data) : undefined;
    if (!session || !credentials.inviteMatches(invite, session.interviewerInviteHash)) {
      credentials.failed(c, id.data);
      throw new ApiError('unauthorized', "the session's interviewer invite is required as a bearer token");
    }
    const row = await store.getReport(session.id);
    if (!row) throw new ApiError('not_found', 'no report yet: it is written when the session ends');
    c.header('cache-control', 'no-store');
    return c.json(row.report);
  });
  return app;
}
