import { describe, expect, it } from 'vitest';
import { AgentSupervisor } from './supervisor.js';
import type { RoomMember } from './supervisor-api.js';
import type { AgentSupervisorOptions } from './supervisor-options.js';
import { FakeClock, FakeLivekit } from './supervisor-test-support.js';

const ROOM = 'interview-abc';
const interviewer: RoomMember = { identity: 'interviewer-1', agent: false, role: 'interviewer' };
const candidate: RoomMember = { identity: 'candidate-1', agent: false, role: 'candidate' };
const agent = (n: number): RoomMember => ({ identity: `agent-${n}`, agent: true });

function setup(options: Partial<AgentSupervisorOptions> = {}, ended = new Set<string>()) {
  const clock = new FakeClock();
  const lk = new FakeLivekit(clock.now);
  const logs: string[] = [];
  const supervisor = new AgentSupervisor(lk, async (id) => ended.has(id), {
    arrivalTimeoutMs: 10_000,
    maxAttempts: 3,
    backoffMs: 1_000,
    maxBackoffMs: 4_000,
    timers: clock,
    log: (_level, m) => logs.push(m),
    ...options,
  });
  lk.members.set(ROOM, [interviewer, candidate]);
  return { clock, lk, supervisor, logs, ended };
}

describe('AgentSupervisor', () => {
  it('does nothing while the agent arrives in time and stays', async () => {
    const { clock, lk, supervisor } = setup();
    supervisor.watch(ROOM, 's1');
    await clock.advance(3_000);
    supervisor.joined(ROOM, agent(1));
    lk.members.set(ROOM, [interviewer, candidate, agent(1)]);
    await clock.advance(60_000);
    expect(lk.dispatches).toEqual([]);
    expect(supervisor.rooms()).toMatchObject([{ roomName: ROOM, phase: 'present', agents: ['agent-1'] }]);
    expect(clock.pending).toBe(0);
  });

  it('dispatches again at once when the agent leaves a session in progress, with the session id and resume', async () => {
    const { clock, lk, supervisor } = setup();
    supervisor.watch(ROOM, 's1');
    supervisor.joined(ROOM, agent(1));
    lk.members.set(ROOM, [interviewer, candidate]);
    supervisor.left(ROOM, agent(1));
    await clock.advance(0);
    expect(lk.dispatches).toEqual([
      { room: ROOM, id: 'AD_1', metadata: { sessionId: 's1', resume: true, attempt: 1 } },
    ]);
    supervisor.joined(ROOM, agent(2));
    await clock.advance(60_000);
    expect(lk.dispatches).toHaveLength(1);
    expect(supervisor.rooms()[0]).toMatchObject({ phase: 'present', attempts: 0, redispatches: 1 });
    expect(lk.announced).toEqual([]);
  });

  it('dispatches when no agent arrived within the arrival time, and not before', async () => {
    const { clock, lk, supervisor } = setup();
    supervisor.watch(ROOM, 's1');
    await clock.advance(9_999);
    expect(lk.dispatches).toHaveLength(0);
    await clock.advance(1);
    expect(lk.dispatches).toHaveLength(1);
  });

  it('retries with a doubling, bounded pause, then announces analysis unavailable', async () => {
    const { clock, lk, supervisor } = setup();
    supervisor.watch(ROOM, 's1');
    await clock.advance(10_000); // arrival time over: attempt 1
    const times = [clock.now()];
    while (lk.dispatches.length < 3) {
      const n = lk.dispatches.length;
      while (lk.dispatches.length === n) await clock.advance(100);
      times.push(clock.now());
    }
    // arrival time + backoff 1 s, then + 2 s
    expect(times.slice(1).map((t, i) => t - (times[i] ?? 0))).toEqual([11_000, 12_000]);
    expect(lk.dispatches.map((d) => d.metadata.attempt)).toEqual([1, 2, 3]);
    expect(lk.announced).toEqual([]);
    await clock.advance(14_000); // arrival time + 4 s after the last attempt
    expect(lk.dispatches).toHaveLength(3);
    expect(lk.announced).toHaveLength(1);
    const [{ status, to }] = lk.announced as [(typeof lk.announced)[number]];
    expect(to).toEqual(['interviewer-1']);
    expect(status).toMatchObject({ status: 'unavailable', reason: 'no-agent', sessionId: 's1', attempts: 3 });
    expect(status.text).toMatch(/analysis unavailable/i);
    expect(supervisor.rooms()[0]?.phase).toBe('unavailable');
    // gave up: no further dispatch, no timer left
    await clock.advance(600_000);
    expect(lk.dispatches).toHaveLength(3);
    expect(clock.pending).toBe(0);

    // a new token for the room (someone joins): tried again at once
    supervisor.watch(ROOM, 's1');
    await clock.advance(0);
    expect(lk.dispatches).toHaveLength(4);
    expect(supervisor.rooms()[0]).toMatchObject({ phase: 'waiting', attempts: 1 });

    // an agent turning up later: interviewers are told analysis is available again
    supervisor.joined(ROOM, agent(9));
    await clock.advance(0);
    expect(lk.announced.map((a) => a.status.status)).toEqual(['unavailable', 'available']);
  });

  it('dispatches again at the taken-check when no worker took the dispatch, once per wait', async () => {
    const { clock, lk, supervisor } = setup({ takenCheckMs: 2_000 });
    lk.workersTake = false; // e.g. the only worker reported itself full when the room started
    supervisor.watch(ROOM, 's1');
    await clock.advance(1_999);
    expect(lk.dispatches).toHaveLength(0);
    await clock.advance(1);
    // the room's own dispatch (from the token) was looked at, and made again in the same wait
    expect(lk.takenChecks).toEqual([{ room: ROOM }]);
    expect(lk.dispatches).toEqual([
      { room: ROOM, id: 'AD_1', metadata: { sessionId: 's1', resume: true, attempt: 0 } },
    ]);
    // the wait keeps its end: attempt 1 at 10 s as before, its own taken-check 2 s later
    await clock.advance(7_999);
    expect(lk.dispatches).toHaveLength(1);
    await clock.advance(1);
    expect(lk.dispatches.map((d) => d.metadata.attempt)).toEqual([0, 1]);
    await clock.advance(2_000);
    expect(lk.takenChecks.at(-1)).toEqual({ room: ROOM, dispatchId: 'AD_2' });
    expect(lk.dispatches.map((d) => d.metadata.attempt)).toEqual([0, 1, 1]);
    // a worker takes the last one: no more dispatches; its agent arrives
    lk.workersTake = true;
    supervisor.joined(ROOM, agent(1));
    await clock.advance(60_000);
    expect(lk.dispatches).toHaveLength(3);
    expect(supervisor.rooms()[0]).toMatchObject({ phase: 'present', redispatches: 3 });
  });

  it("judges the room's own dispatch by its age when the room started after its token", async () => {
    const { clock, lk, supervisor, logs } = setup({ takenCheckMs: 7_000 });
    lk.roomDispatchAt = undefined; // the token is issued; nobody has joined yet
    supervisor.watch(ROOM, 's1');
    await clock.advance(4_000);
    lk.roomDispatchAt = clock.now(); // the interviewer joins: the room starts with its dispatch
    lk.workersTake = false; // livekit-server has not listed the job yet (its worker discovery)
    await clock.advance(3_000); // 7 s after the token, 3 s after the dispatch: too young to judge
    expect(lk.takenChecks).toHaveLength(1);
    expect(lk.dispatches).toHaveLength(0);
    await clock.advance(3_000); // the first wait ends 6 s after the dispatch: extended to 10 s after it
    expect(lk.dispatches).toHaveLength(0);
    expect(logs.some((l) => /started late: its agent gets 4000 ms more/.test(l))).toBe(true);
    lk.workersTake = true; // the job is listed by the time the dispatch is 7 s old
    await clock.advance(1_000);
    expect(lk.takenChecks).toHaveLength(3);
    expect(lk.dispatches).toHaveLength(0);
    await clock.advance(2_000);
    supervisor.joined(ROOM, agent(1)); // 9 s after its dispatch
    await clock.advance(60_000);
    expect(lk.dispatches).toHaveLength(0);
    expect(supervisor.rooms()[0]).toMatchObject({ phase: 'present', redispatches: 0 });
  });

  it("dispatches again when a late room's own dispatch is 7 s old and untaken, then at the extended wait's end", async () => {
    const { clock, lk, supervisor } = setup({ takenCheckMs: 7_000 });
    lk.roomDispatchAt = undefined;
    lk.workersTake = false; // no worker takes anything
    supervisor.watch(ROOM, 's1');
    await clock.advance(5_000);
    lk.roomDispatchAt = clock.now();
    await clock.advance(6_999); // wait extended at 10 s (to 15 s); the dispatch is 7 s old at 12 s
    expect(lk.dispatches).toHaveLength(0);
    await clock.advance(1);
    expect(lk.dispatches.map((d) => d.metadata.attempt)).toEqual([0]);
    await clock.advance(2_999);
    expect(lk.dispatches).toHaveLength(1);
    await clock.advance(1); // 10 s after the room's dispatch: attempt 1, waits as before
    expect(lk.dispatches.map((d) => d.metadata.attempt)).toEqual([0, 1]);
    await clock.advance(7_000);
    expect(lk.dispatches.map((d) => d.metadata.attempt)).toEqual([0, 1, 1]);
  });

  it('keeps waiting when a worker took the dispatch, or when the taken-check fails', async () => {
    const { clock, lk, supervisor, logs } = setup({ takenCheckMs: 2_000 });
    supervisor.watch(ROOM, 's1');
    await clock.advance(2_000);
    expect(lk.takenChecks).toHaveLength(1);
    expect(lk.dispatches).toHaveLength(0);
    lk.dispatchState = async () => {
      throw new Error('livekit unreachable');
    };
    await clock.advance(8_000); // the wait's end: attempt 1
    await clock.advance(2_000); // its taken-check fails: only logged
    expect(logs.some((l) => /checking the dispatch .* failed: livekit unreachable/.test(l))).toBe(true);
    expect(lk.dispatches.map((d) => d.metadata.attempt)).toEqual([1]);
    expect(supervisor.rooms()[0]).toMatchObject({ phase: 'waiting', attempts: 1 });
    await clock.advance(9_000); // arrival time + 1 s backoff after attempt 1
    expect(lk.dispatches.map((d) => d.metadata.attempt)).toEqual([1, 2]);
  });

  it('counts a refused dispatch as an attempt and retries it after the pause', async () => {
    const { clock, lk, supervisor, logs } = setup();
    lk.failDispatch = true;
    supervisor.watch(ROOM, 's1');
    await clock.advance(10_000);
    expect(logs.some((l) => /no worker available/.test(l))).toBe(true);
    lk.failDispatch = false;
    await clock.advance(1_000);
    expect(lk.dispatches).toHaveLength(1);
    expect(lk.dispatches[0]?.metadata.attempt).toBe(2);
  });

  it('says the agent was lost when it gives up after the agent left', async () => {
    const { clock, lk, supervisor } = setup({ maxAttempts: 1 });
    supervisor.watch(ROOM, 's1');
    supervisor.joined(ROOM, agent(1));
    supervisor.left(ROOM, agent(1));
    await clock.advance(0);
    await clock.advance(11_000);
    expect(lk.announced[0]?.status).toMatchObject({ status: 'unavailable', reason: 'agent-lost' });
  });

  it('leaves ended sessions, empty rooms and finished rooms alone', async () => {
    const ended = new Set<string>();
    const { clock, lk, supervisor } = setup({}, ended);
    supervisor.watch(ROOM, 's1');
    supervisor.joined(ROOM, agent(1));
    ended.add('s1');
    supervisor.left(ROOM, agent(1));
    await clock.advance(60_000);
    expect(lk.dispatches).toEqual([]);
    expect(supervisor.rooms()).toEqual([]);

    supervisor.watch('room-empty', 's2');
    await clock.advance(60_000);
    expect(lk.dispatches).toEqual([]);
    expect(supervisor.rooms()).toEqual([]);

    supervisor.watch('room-done', 's3');
    lk.members.set('room-done', [candidate]);
    supervisor.finished('room-done');
    await clock.advance(60_000);
    expect(lk.dispatches).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('finds an agent it was not told about in the participant list instead of dispatching', async () => {
    const { clock, lk, supervisor } = setup();
    supervisor.watch(ROOM, 's1');
    lk.members.set(ROOM, [interviewer, agent(1)]);
    await clock.advance(10_000);
    expect(lk.dispatches).toEqual([]);
    expect(supervisor.rooms()[0]).toMatchObject({ phase: 'present', agents: ['agent-1'] });
  });

  it('keeps one agent per room: a second one (a slow earlier dispatch) is removed, the first stays', async () => {
    const { clock, lk, supervisor } = setup();
    supervisor.watch(ROOM, 's1');
    await clock.advance(10_000); // no agent in time: dispatched again
    supervisor.joined(ROOM, agent(1));
    supervisor.joined(ROOM, agent(2)); // the first dispatch's job, late
    supervisor.joined(ROOM, agent(1)); // a repeated webhook changes nothing
    expect(lk.removed).toEqual([`${ROOM}/agent-2`]);
    supervisor.left(ROOM, agent(2));
    await clock.advance(60_000);
    expect(lk.dispatches).toHaveLength(1);
    expect(supervisor.rooms()[0]).toMatchObject({ phase: 'present', agents: ['agent-1'] });
  });

  it('ignores people coming and going, and keeps one room per name', async () => {
    const { clock, lk, supervisor } = setup();
    supervisor.watch(ROOM, 's1');
    supervisor.watch(ROOM, 's1');
    supervisor.joined(ROOM, agent(1));
    supervisor.left(ROOM, candidate);
    supervisor.joined(ROOM, candidate);
    supervisor.joined('unknown-room', agent(5));
    await clock.advance(60_000);
    expect(lk.dispatches).toEqual([]);
    expect(supervisor.rooms()).toHaveLength(1);
  });
});
