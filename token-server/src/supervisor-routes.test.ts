import { createHash } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSupervisor } from './supervisor.js';
import { FakeClock, FakeLivekit, settle } from './supervisor-test-support.js';
import { config, createSession, openTestApp, requestToken } from './test-support.js';

/** Signs a webhook body the way livekit-server does: a JWT with the body's SHA-256 in `Authorization`. */
async function signed(body: string, secret = config.livekitApiSecret): Promise<string> {
  const at = new AccessToken(config.livekitApiKey, secret);
  at.sha256 = createHash('sha256').update(body).digest('base64');
  return at.toJwt();
}

describe('POST /api/livekit/webhook', () => {
  const clock = new FakeClock();
  const lk = new FakeLivekit(clock.now);
  const supervisor = new AgentSupervisor(lk, async () => false, { timers: clock, log: () => {} });
  let t: Awaited<ReturnType<typeof openTestApp>>;
  beforeAll(async () => {
    t = await openTestApp({ supervisor });
  });
  afterAll(async () => {
    supervisor.close();
    await t?.database.close();
  });

  const send = async (event: Record<string, unknown>, auth?: string) => {
    const body = JSON.stringify(event);
    return t.app.request('/api/livekit/webhook', {
      method: 'POST',
      headers: {
        'content-type': 'application/webhook+json',
        ...(auth === '' ? {} : { authorization: auth ?? (await signed(body)) }),
      },
      body,
    });
  };

  it('refuses unsigned, wrongly signed and altered webhooks', async () => {
    const event = { event: 'room_finished', room: { name: 'interview-x' } };
    expect((await send(event, '')).status).toBe(401);
    expect((await send(event, await signed(JSON.stringify(event), 'another-secret'))).status).toBe(401);
    const altered = await t.app.request('/api/livekit/webhook', {
      method: 'POST',
      headers: {
        'content-type': 'application/webhook+json',
        authorization: await signed(JSON.stringify(event)),
      },
      body: JSON.stringify({ ...event, room: { name: 'interview-y' } }),
    });
    expect(altered.status).toBe(401);
    expect(((await altered.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('follows agents joining and leaving a session room, and re-dispatches after the agent left', async () => {
    const created = await createSession(t.app);
    const room = created.session.roomName;
    // a token starts supervision of the session's room
    const join = {
      session: created.session.id,
      role: 'interviewer',
      name: 'Ivy',
      invite: created.invites.interviewer,
    };
    expect((await requestToken(t.app, join)).status).toBe(200);
    expect(supervisor.rooms().map((r) => r.roomName)).toContain(room);

    const agentInfo = { identity: 'agent-AJ_1', kind: 'AGENT' };
    const res = await send({ event: 'participant_joined', room: { name: room }, participant: agentInfo });
    expect(res.status).toBe(200);
    expect(supervisor.rooms().find((r) => r.roomName === room)).toMatchObject({
      phase: 'present',
      agents: ['agent-AJ_1'],
    });

    lk.members.set(room, [{ identity: 'interviewer-1', agent: false, role: 'interviewer' }]);
    expect(
      (await send({ event: 'participant_left', room: { name: room }, participant: agentInfo })).status,
    ).toBe(200);
    await clock.advance(0);
    await settle();
    expect(lk.dispatches).toEqual([
      { room, id: 'AD_1', metadata: { sessionId: created.session.id, resume: true, attempt: 1 } },
    ]);

    expect((await send({ event: 'room_finished', room: { name: room } })).status).toBe(200);
    expect(supervisor.rooms().map((r) => r.roomName)).not.toContain(room);
  });

  it("starts supervising a session's room when a person joins it (e.g. after a restart), never an unknown room", async () => {
    const created = await createSession(t.app);
    const room = created.session.roomName;
    const person = {
      identity: 'candidate-1',
      kind: 'STANDARD',
      attributes: { 'interview-helper.role': 'candidate' },
    };
    expect(
      (await send({ event: 'participant_joined', room: { name: room }, participant: person })).status,
    ).toBe(200);
    expect(supervisor.rooms().find((r) => r.roomName === room)).toMatchObject({
      sessionId: created.session.id,
      phase: 'waiting',
    });
    // the agent of a session room not seen before leaves: re-dispatched as a lost agent
    const other = await createSession(t.app);
    lk.members.set(other.session.roomName, [{ identity: 'candidate-2', agent: false, role: 'candidate' }]);
    const agentLeft = {
      event: 'participant_left',
      room: { name: other.session.roomName },
      participant: { identity: 'agent-AJ_9', kind: 'AGENT' },
    };
    expect((await send(agentLeft)).status).toBe(200);
    await clock.advance(0);
    expect(lk.dispatches.at(-1)).toMatchObject({ room: other.session.roomName, metadata: { attempt: 1 } });
    const unknown = { event: 'participant_joined', room: { name: 'not-a-session' }, participant: person };
    expect((await send(unknown)).status).toBe(200);
    expect(supervisor.rooms().map((r) => r.roomName)).not.toContain('not-a-session');
  });
});
