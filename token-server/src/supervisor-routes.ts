import type { InterviewStore } from '@interview-helper/storage';
import { Hono } from 'hono';
import { WebhookReceiver } from 'livekit-server-sdk';
import { ApiError } from './errors.js';
import type { Logger } from './log.js';
import type { AgentSupervisor } from './supervisor.js';
import { roomMember } from './supervisor-livekit.js';

/** What {@link supervisorRoutes} needs. */
export interface SupervisorRoutesDeps {
  supervisor: AgentSupervisor;
  store: Pick<InterviewStore, 'getSessionByRoom'>;
  /** The LiveKit API key and secret webhooks are signed with (livekit.yaml `webhook.api_key`). */
  apiKey: string;
  apiSecret: string;
  logger: Logger;
}

/** Path of the webhook route under `/api` (livekit.yaml `webhook.urls`). */
export const WEBHOOK_PATH = '/livekit/webhook';

/**
 * `POST /livekit/webhook`: LiveKit's webhooks (configure livekit-server's `webhook:` with this URL and the
 * token server's API key). Each request is verified with the signed `Authorization` header (a wrong or missing
 * signature, or a changed body, is `unauthorized`). Joins and leaves of agents go to the {@link AgentSupervisor};
 * a person joining a session's room the supervisor does not know yet (e.g. after a token server restart) starts
 * its supervision; `room_finished` ends it.
 */
export function supervisorRoutes(deps: SupervisorRoutesDeps): Hono {
  const receiver = new WebhookReceiver(deps.apiKey, deps.apiSecret);
  const app = new Hono();
  app.post(WEBHOOK_PATH, async (c) => {
    const body = await c.req.text();
    let event: Awaited<ReturnType<WebhookReceiver['receive']>>;
    try {
      event = await receiver.receive(body, c.req.header('authorization'));
    } catch (err) {
      throw new ApiError('unauthorized', `webhook refused: ${(err as Error).message}`);
    }
    const roomName = event.room?.name;
    if (!roomName) return c.json({ ok: true });
    const { supervisor } = deps;
    switch (event.event) {
      case 'participant_joined': {
        if (!event.participant) break;
        const member = roomMember(event.participant);
        if (!member.agent && !supervisor.rooms().some((r) => r.roomName === roomName)) {
          const session = await deps.store.getSessionByRoom(roomName);
          if (session && !session.endedAt) supervisor.watch(roomName, session.id);
        }
        supervisor.joined(roomName, member);
        break;
      }
      case 'participant_left':
      case 'participant_connection_aborted': {
        if (!event.participant) break;
        const member = roomMember(event.participant);
        if (member.agent && !supervisor.rooms().some((r) => r.roomName === roomName)) {
          // the agent of a room this server has not seen yet (e.g. since a restart): it was there, now it is not
          const session = await deps.store.getSessionByRoom(roomName);
          if (session && !session.endedAt) {
            supervisor.watch(roomName, session.id);
            supervisor.joined(roomName, member);
          }
        }
        supervisor.left(roomName, member);
        break;
      }
      case 'room_finished':
        supervisor.finished(roomName);
        break;
    }
    return c.json({ ok: true });
  });
  return app;
}
