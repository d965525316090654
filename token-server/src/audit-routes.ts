import { DISCLOSURE } from '@interview-helper/protocol';
import { AuditStore, type InterviewStore } from '@interview-helper/storage';
import { Hono } from 'hono';
import type { Credentials } from './credentials.js';

/** What {@link auditRoutes} needs. */
export interface AuditRoutesDeps {
  store: InterviewStore;
  /** Checks the interviewer invite in constant time, under the server's attempt limiter. */
  credentials: Credentials;
  clock?: () => Date;
}

/**
 * Consent and audit routes:
 *
 * - `GET /disclosure`: the disclosure text and its version, for clients that show it themselves (a candidate's
 *   consent message names the version).
 * - `GET /sessions/:id/audit`: the session's audit log as JSON (consent events, hint decisions with their why
 *   block, deliveries and drops, feedback, exports, …; see `AuditStore.auditLog`), only for the session's
 *   interviewers (`Authorization: Bearer <interviewer invite>`). `?download=1` answers it as a file. Every read is
 *   itself appended to the log (`audit.export`). Errors: `invalid_request` (an id that cannot exist),
 *   `unauthorized` (no or wrong credentials; the same answer for an unknown session), `too_many_attempts`.
 */
export function auditRoutes(deps: AuditRoutesDeps): Hono {
  const { store, credentials } = deps;
  const clock = deps.clock ?? (() => new Date());
  const audit = new AuditStore(store.database);
  const app = new Hono();
  app.get('/disclosure', (c) => c.json(DISCLOSURE));
  app.get('/sessions/:id/audit', async (c) => {
    const session = await credentials.interviewerSession(c, store);
    const now = clock();
    const download = c.req.query('download') === '1';
    // The read is recorded first, so the log handed out contains it.
    await audit.appendAudit({
      sessionId: session.id,
      kind: 'audit.export',
      actor: 'interviewer',
      data: { route: 'GET /api/sessions/:id/audit', download },
      at: now,
    });
    const log = await audit.auditLog(session.id, now);
    c.header('cache-control', 'no-store');
    if (download) c.header('content-disposition', `attachment; filename="audit-${session.id}.json"`);
    return c.json(log);
  });
  return app;
}
