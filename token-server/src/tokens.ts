import { randomBytes } from 'node:crypto';
import { ROLE_ATTRIBUTE, type Role } from '@interview-helper/protocol';
import {
  AccessToken,
  RoomAgentDispatch,
  RoomConfiguration,
  TrackSource,
  type VideoGrant,
} from 'livekit-server-sdk';
import type { TokenServerConfig } from './config.js';

/**
 * What a participant may do in its interview room; nothing else is granted. Candidates and interviewers
 * get the same LiveKit permissions (camera, microphone, data, subscribe); the role itself travels in the
 * `interview-helper.role` attribute, which `canUpdateOwnMetadata: false` makes immutable for them.
 */
export function grantsFor(roomName: string): VideoGrant {
  return {
    room: roomName,
    roomJoin: true,
    canSubscribe: true,
    canPublish: true,
    canPublishSources: [TrackSource.CAMERA, TrackSource.MICROPHONE],
    canPublishData: true,
    // The role travels as a participant attribute: nobody may rewrite their own.
    canUpdateOwnMetadata: false,
    roomCreate: false,
    roomList: false,
    roomRecord: false,
    roomAdmin: false,
    ingressAdmin: false,
    hidden: false,
    recorder: false,
    agent: false,
  };
}

/** A LiveKit token issued for one join. */
export interface IssuedToken {
  token: string;
  identity: string;
  /** When the token stops being accepted for joining (its `exp`). */
  expiresAt: Date;
}

export interface TokenRequest {
  sessionId: string;
  roomName: string;
  role: Role;
  name: string;
}

/** A fresh identity per join (`candidate-…`), so a refreshed browser never collides with its old self. */
export function newIdentity(role: Role): string {
  return `${role}-${randomBytes(9).toString('base64url')}`;
}

/**
 * Issues a short-lived LiveKit token: role-scoped grants for the session's room, the role as the
 * `interview-helper.role` attribute, and a room configuration that dispatches the agent by name.
 */
export async function issueToken(config: TokenServerConfig, request: TokenRequest): Promise<IssuedToken> {
  const identity = newIdentity(request.role);
  const at = new AccessToken(config.livekitApiKey, config.livekitApiSecret, {
    identity,
    name: request.name,
    ttl: config.tokenTtlSeconds,
    attributes: { [ROLE_ATTRIBUTE]: request.role },
  });
  at.addGrant(grantsFor(request.roomName));
  at.roomConfig = new RoomConfiguration({
    // The room outlives a short absence of everyone: the agent ends the session after the idle time.
    ...(config.sessionIdleEndMinutes > 0 && { departureTimeout: departureTimeoutSeconds(config) }),
    agents: [
      new RoomAgentDispatch({
        agentName: config.agentName,
        metadata: JSON.stringify({ sessionId: request.sessionId }),
      }),
    ],
  });
  const token = await at.toJwt();
  return { token, identity, expiresAt: new Date(expiryOf(token) * 1000) };
}

/** Seconds LiveKit keeps an abandoned room open past the agent's idle end, so the agent closes it. */
export const DEPARTURE_MARGIN_SECONDS = 60;

/** How long LiveKit keeps a room whose participants all left: the idle end plus a margin. */
export function departureTimeoutSeconds(config: Pick<TokenServerConfig, 'sessionIdleEndMinutes'>): number {
  return Math.ceil(config.sessionIdleEndMinutes * 60) + DEPARTURE_MARGIN_SECONDS;
}

/** `exp` (seconds) of a JWT we just signed. */
function expiryOf(jwt: string): number {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    exp?: unknown;
  };
  if (typeof payload.exp !== 'number') throw new Error('signed token has no exp');
  return payload.exp;
}
