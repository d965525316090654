import {
  AGENT_STATE_ATTRIBUTE,
  type AgentMessage,
  DISCLOSURE,
  decodeAgentMessage,
  isSignalKind,
  type JoinConsent,
  type Role,
  type SignalKind,
  type SignalMessage,
  type SignalOf,
  TOPICS,
} from '@interview-helper/protocol';
import { type RemoteParticipant, Room, RoomEvent } from '@livekit/rtc-node';
import type { Stack } from '../harness/stack.js';

/** An interview session as created by the token server. */
export interface CreatedSession {
  session: { id: string; roomName: string; createdAt: string };
  invites: Record<Role, string>;
}

/** A test participant connected with rtc-node, recording every agent message it receives. */
export interface TestParticipant {
  room: Room;
  identity: string;
  role: Role;
  connectedAt: number;
  /** Valid agent messages received on the agent topic. */
  messages: AgentMessage[];
  /** Payloads received on the agent topic that failed validation. */
  invalid: number;
  leave(): Promise<void>;
}

export async function createSession(stack: Stack): Promise<CreatedSession> {
  return stack.post<CreatedSession>('/api/sessions', { title: 'e2e' });
}

/** The consent a test candidate gives with its token request (the whole disclosure, both groups). */
export const FULL_CONSENT: JoinConsent = {
  disclosureVersion: DISCLOSURE.version,
  groups: ['voice', 'camera'],
};

/**
 * Gets a token for `role` from the token server and joins the room with it. A candidate consents with the token
 * request (`FULL_CONSENT`) unless `opts.consent` says otherwise (`false`: joins without consent).
 */
export async function join(
  stack: Stack,
  created: CreatedSession,
  role: Role,
  name: string,
  opts: { consent?: JoinConsent | false } = {},
): Promise<TestParticipant> {
  const consent = role === 'candidate' ? (opts.consent ?? FULL_CONSENT) : false;
  const grant = await stack.post<{ token: string; url: string; identity: string }>('/api/token', {
    session: created.session.id,
    role,
    name,
    invite: created.invites[role],
    ...(consent ? { consent } : {}),
  });
  const room = new Room();
  const p: TestParticipant = {
    room,
    identity: grant.identity,
    role,
    connectedAt: 0,
    messages: [],
    invalid: 0,
    leave: async () => {
      await room.disconnect();
    },
  };
  const accept = (data: Uint8Array | string) => {
    const result = decodeAgentMessage(data);
    if (result.ok) p.messages.push(result.message);
    else p.invalid++;
  };
  room.on(
    RoomEvent.DataReceived,
    (payload: Uint8Array, _from?: RemoteParticipant, _kind?: unknown, topic?: string) => {
      if (topic === TOPICS.AGENT_TO_INTERVIEWERS) accept(payload);
    },
  );
  room.registerTextStreamHandler(TOPICS.AGENT_TO_INTERVIEWERS, (reader) => {
    void reader.readAll().then(accept);
  });
  await room.connect(grant.url, grant.token, { autoSubscribe: role === 'interviewer', dynacast: false });
  p.connectedAt = Date.now();
  return p;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signals of one kind from the agent, in arrival order. */
export function signalsOf<K extends SignalKind>(p: TestParticipant, kind: K): SignalOf<K>[] {
  return p.messages.flatMap((m) => (m.type === 'signal' && isSignalKind(m, kind) ? [m] : []));
}

/** A signal's numeric value `key` (NaN when the signal or the value is missing). */
export function signalNumber(s: SignalMessage | undefined, key: string): number {
  return Number((s?.values as Record<string, unknown> | undefined)?.[key]);
}

/**
 * A `video-frames` window after `window` in which the agent took frames: its video stream goes on flowing (the rate
 * it takes frames at follows the machine's load, so it is a [measure] figure, not a check).
 */
export function waitForLaterFrames(p: TestParticipant, window: { range: { end: number } }) {
  return waitFor('frames in a later window', () =>
    signalsOf(p, 'video-frames').find((s) => s.range.start >= window.range.end && s.values.frames > 0),
  );
}

/** The agent as `p` sees it: the participant that publishes the agent-state attribute. */
export function agentOf(p: TestParticipant): RemoteParticipant | undefined {
  return [...p.room.remoteParticipants.values()].find(
    (r) => r.attributes[AGENT_STATE_ATTRIBUTE] !== undefined,
  );
}

/** Energy-weighted mean level (dBFS) of the agent's `audio-level` windows (a single window may fall in a pause). */
export function meanDbfs(signals: SignalOf<'audio-level'>[]): number {
  const num = (s: SignalOf<'audio-level'>, key: 'windowSeconds' | 'rmsDbfs') => s.values[key];
  const seconds = signals.reduce((t, s) => t + num(s, 'windowSeconds'), 0);
  const energy = signals.reduce((e, s) => e + 10 ** (num(s, 'rmsDbfs') / 10) * num(s, 'windowSeconds'), 0);
  return 10 * Math.log10(energy / seconds);
}
