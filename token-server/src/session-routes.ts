import { safeId } from '@interview-helper/protocol';
import type { InterviewStore } from '@interview-helper/storage';
import { Hono } from 'hono';
import type { Credentials } from './credentials.js';
import { ApiError } from './errors.js';
import type { Logger } from './log.js';
import type { RoomCloser } from './rooms.js';

/** What {@link sessionRoutes} needs. */
export interface SessionRoutesDeps {
  store: InterviewStore;
  credentials: Credentials;
  rooms: RoomCloser;
  clock: () => Date;
  logger: Logger;
}

const sessionId = safeId(128);

/** Answer of `POST /sessions/:id/end`. */
export interface EndSessionResponse {
  session: { id: string; endedAt: string };
  /** The session had already ended before this request. */
  alreadyEnded: boolean;
  /** Whether the LiveKit room is closed (false: LiveKit could not be reached; ending again retries). */
  roomClosed: boolean;
}

/**
 * `POST /sessions/:id/end`: ends an interview. Authorised by the session's interviewer invite or the admin
 * token (`Authorization: Bearer …`). Marks the session ended (invites then get `session_ended`), closes its
 * LiveKit room (everyone is disconnected; the agent's job ends and stores the final report). Idempotent:
 * ending an ended session closes the room again if needed. Errors: `invalid_request`, `unauthorized` (also
 * for an unknown session unless the admin token is used: then `session_not_found`), `too_many_attempts`.
 */
export function sessionRoutes(deps: SessionRoutesDeps): Hono {
  const { store, credentials, rooms, clock, logger } = deps;
  const app = new Hono();
  app.post('/sessions/:id/end', async (c) => {
    const id = sessionId.safeParse(c.req.param('id'));
    if (!id.success) throw new ApiError('invalid_request', 'malformed session id');
    const admin = credentials.isAdmin(c);
    if (!admin) credentials.gate(c, id.data);
    const session = await store.getSession(id.data);
    if (!admin) {
      const invite = credentials.bearer(c);
      if (!session || !credentials.inviteMatches(invite, session.interviewerInviteHash)) {
        credentials.failed(c, id.data);
        throw new ApiError(
          'unauthorized',
          "the session's interviewer invite (or the admin token) is required as a bearer token",
        );
      }
    }
    if (!session) throw new ApiError('session_not_found', 'no such interview session');
    const now = clock();
    const ended = await store.endSession(session.id, now);
    const endedAt = ended ? now : ((await store.getSession(session.id))?.endedAt ?? now);
    // The room is gone when it was closed now or was not open.
    const roomClosed = (await rooms.close(session.roomName)) !== 'unreachable';
    logger.info(
      `session ${session.id} ${ended ? 'ended' : 'already ended'} by ${admin ? 'admin' : 'interviewer'}` +
        ` (room ${roomClosed ? 'closed' : 'not closed'})`,
    );
    const body: EndSessionResponse = {
      session: { id: session.id, endedAt: endedAt.toISOString() },
      alreadyEnded: !ended,
      roomClosed,
    };
    return c.json(body);
  });
  return app;
}
