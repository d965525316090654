import { sessionReportSchema } from '@interview-helper/protocol';
import { DisconnectReason, RoomEvent } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentOf,
  type CreatedSession,
  createSession,
  join,
  type TestParticipant,
} from './clients/participant.js';
import { verifyCapture } from './harness/livekit.js';
import { dispatchHint, type Stack, startStack } from './harness/stack.js';

/**
 * The end of an interview through the real stack: ended by an interviewer through the API, or by the agent
 * once everyone has left for SESSION_IDLE_END_MINUTES. Either way the room closes, the agent stores the
 * final report and the invites are refused with `session_ended`.
 */

/** How long the agent waits in an empty room here: 0.1 min = 6 s (the token server keeps the stack's 0.25 min + 60 s). */
const IDLE_END_MINUTES = '0.1';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('session end', () => {
  let stack: Stack;
  let rooms: RoomServiceClient;
  const joined: TestParticipant[] = [];

  beforeAll(async () => {
    stack = await startStack({ agentEnv: { SESSION_IDLE_END_MINUTES: IDLE_END_MINUTES } });
    rooms = new RoomServiceClient(stack.livekit.httpUrl, stack.livekit.apiKey, stack.livekit.apiSecret);
  });
  afterAll(async () => {
    for (const p of joined) await p.leave().catch(() => {});
    await stack?.stop();
  });

  const api = (path: string, body: unknown, bearer?: string) =>
    fetch(`${stack.tokenServerUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(body),
    });

  /** Both roles joined and the agent in the room. */
  async function interview(): Promise<{ created: CreatedSession; people: TestParticipant[] }> {
    const created = await createSession(stack);
    const interviewer = await join(stack, created, 'interviewer', 'Ivy');
    const candidate = await join(stack, created, 'candidate', 'Cam');
    joined.push(interviewer, candidate);
    // the agent's job starts when the room opens: up to 120 s on a loaded machine, as elsewhere
    await until(`the agent in the room${dispatchHint(stack)}`, async () => agentOf(interviewer), 120_000);
    return { created, people: [interviewer, candidate] };
  }

  const roomOpen = async (name: string) => (await rooms.listRooms([name])).length > 0;

  const report = (created: CreatedSession) =>
    until('the stored report', async () => {
      const res = await fetch(`${stack.tokenServerUrl}/api/sessions/${created.session.id}/report`, {
        headers: { authorization: `Bearer ${created.invites.interviewer}` },
      });
      if (res.ok) return sessionReportSchema.parse(await res.json());
      await res.body?.cancel();
      return undefined;
    });

  const joinAgain = async (created: CreatedSession) => {
    const res = await api('/api/token', {
      session: created.session.id,
      role: 'candidate',
      name: 'Cam',
      invite: created.invites.candidate,
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
  };

  it('an interviewer ends it through the API: everyone is disconnected, the report is stored, later joins get session_ended', async () => {
    const { created, people } = await interview();
    expect(await roomOpen(created.session.roomName)).toBe(true);
    const reasons = people.map(
      (p) =>
        new Promise<DisconnectReason | undefined>((resolve) => p.room.once(RoomEvent.Disconnected, resolve)),
    );

    // The candidate's invite may not end it.
    expect((await api(`/api/sessions/${created.session.id}/end`, {}, created.invites.candidate)).status).toBe(
      401,
    );
    const res = await api(`/api/sessions/${created.session.id}/end`, {}, created.invites.interviewer);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ alreadyEnded: false, roomClosed: true });

    expect(await Promise.all(reasons)).toEqual([
      DisconnectReason.ROOM_DELETED,
      DisconnectReason.ROOM_DELETED,
    ]);
    await until('the room to close', async () =>
      (await roomOpen(created.session.roomName)) ? undefined : true,
    );
    const stored = await report(created);
    expect(stored.sessionId).toBe(created.session.id);
    expect(await joinAgain(created)).toEqual({
      status: 410,
      body: { error: expect.objectContaining({ code: 'session_ended' }) },
    });
    await until('the agent to log the report', async () =>
      /session report stored/.test(stack.agent.output()) ? true : undefined,
    );
  }, 240_000);

  it('the agent ends it once everyone has left for SESSION_IDLE_END_MINUTES', async () => {
    const { created, people } = await interview();
    const left = Date.now();
    for (const p of people) await p.leave();
    const refused = await until(
      'the session to end',
      async () => {
        const again = await joinAgain(created);
        return again.status === 410 ? again : undefined;
      },
      60_000,
    );
    console.log(
      `[measure] everyone left → session_ended in ${Date.now() - left} ms (idle end ${IDLE_END_MINUTES} min)`,
    );
    expect(refused.body.error?.code).toBe('session_ended');
    await until('the room to close', async () =>
      (await roomOpen(created.session.roomName)) ? undefined : true,
    );
    expect((await report(created)).sessionId).toBe(created.session.id);
    // The agent's log reaches this process through a pipe, apart from the room closing: wait for the line.
    await until('the agent to log the idle end', async () =>
      /"reason":"idle".*session ended: closing the room/.test(stack.agent.output()) ? true : undefined,
    );
    expect(stack.agent.output()).not.toMatch(/uncaught|unhandled/i);
    expect(verifyCapture().failures).toEqual([]);
  }, 240_000);
});
