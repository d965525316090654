import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentOf,
  type CreatedSession,
  createSession,
  join,
  type TestParticipant,
  waitFor,
} from './clients/participant.js';
import { until as untilAsync } from './harness/interview.js';
import type { Service } from './harness/processes.js';
import { dispatchHint, freePort, type Stack, startStack } from './harness/stack.js';

/** What a worker's log says it did with the job of `room`. */
type Decision = 'accepted' | 'declined';

/** The admission decisions a worker logged, per room name, in order. */
function decisions(worker: Service): Map<string, Decision[]> {
  const out = new Map<string, Decision[]>();
  for (const line of worker.output().split('\n')) {
    if (!line.includes('"component":"admission"')) continue;
    let entry: { msg?: string; room?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    const decision: Decision | undefined = entry.msg?.startsWith('job accepted')
      ? 'accepted'
      : entry.msg?.startsWith('job declined')
        ? 'declined'
        : undefined;
    if (!decision || !entry.room) continue;
    out.set(entry.room, [...(out.get(entry.room) ?? []), decision]);
  }
  return out;
}

const acceptedBy = (worker: Service, room: string) =>
  decisions(worker).get(room)?.includes('accepted') ?? false;
const declinedBy = (worker: Service, room: string) =>
  decisions(worker).get(room)?.includes('declined') ?? false;

/** Job processes a worker has started and initialised so far (each logs when it is ready for a job). */
const readyProcesses = (worker: Service) => worker.output().match(/"msg":"job process ready"/g)?.length ?? 0;

/** Waits until `worker` has initialised `n` job processes in all (warm ones wait for the next rooms). */
const warm = (worker: Service, n: number) =>
  until(
    `${n} initialised job processes of ${worker.name}`,
    async () => (readyProcesses(worker) >= n ? true : undefined),
    WARM_TIMEOUT_MS,
  );

/** Job processes start one after another (the agents framework initialises them in turn): slow on a busy host. */
const WARM_TIMEOUT_MS = 240_000;

/** Jobs a worker runs now, from its health server's `/worker` page. */
async function activeJobs(port: number): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/worker`).catch(() => undefined);
  if (!res?.ok) return undefined;
  return ((await res.json()) as { active_jobs?: number }).active_jobs;
}

/** Polls an async check every 200 ms until it gives a value (no fixed sleeps). */
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  untilAsync(what, check, timeoutMs, { intervalMs: 200 });

/** An interview room with its interviewer in it, and when that interviewer asked to join. */
interface OpenRoom {
  created: CreatedSession;
  interviewer: TestParticipant;
  requestedAt: number;
}

describe('scale-out: two workers, one livekit-server', () => {
  let stack: Stack;
  /** The first worker: one job slot. */
  let first: Service;
  let firstHealthPort: number;
  /** The second worker: same agent name, started later. */
  let second: Service | undefined;
  let rooms: RoomServiceClient;
  const open: OpenRoom[] = [];

  const openRoom = async (): Promise<OpenRoom> => {
    const created = await createSession(stack);
    const requestedAt = Date.now();
    const interviewer = await join(stack, created, 'interviewer', 'Ivy Interviewer');
    const room = { created, interviewer, requestedAt };
    open.push(room);
    return room;
  };
  const agentJoined = async (room: OpenRoom, timeoutMs = 90_000): Promise<number> => {
    await waitFor(
      `the agent in ${room.created.session.roomName}${dispatchHint(stack)}`,
      () => agentOf(room.interviewer),
      timeoutMs,
    );
    return Date.now() - room.requestedAt;
  };
  const closeRoom = async (room: OpenRoom) => {
    await room.interviewer.leave();
    await rooms.deleteRoom(room.created.session.roomName).catch(() => {});
    open.splice(open.indexOf(room), 1);
  };

  beforeAll(async () => {
    firstHealthPort = await freePort();
    stack = await startStack({
      agentEnv: {
        AGENT_MAX_JOBS: '1',
        AGENT_IDLE_PROCESSES: '1',
        AGENT_HEALTH_PORT: String(firstHealthPort),
      },
    });
    first = stack.agent;
    rooms = new RoomServiceClient(stack.livekit.httpUrl, stack.livekit.apiKey, stack.livekit.apiSecret);
  });
  afterAll(async () => {
    for (const room of [...open]) await room.interviewer.leave().catch(() => {});
    await second?.stop();
    await stack?.stop();
  });

  it('a room the first worker has no slot for is served by a second worker', {
    timeout: 600_000,
  }, async () => {
    await warm(first, 1);
    const one = await openRoom();
    const oneMs = await agentJoined(one);
    expect(acceptedBy(first, one.created.session.roomName)).toBe(true);
    // the first worker is now at capacity
    await until('the first worker running its job', async () =>
      (await activeJobs(firstHealthPort)) === 1 ? true : undefined,
    );

    // same livekit-server, database and agent name; more slots and warm processes
    second = await stack.startWorker({
      name: 'agent-2',
      env: { AGENT_MAX_JOBS: '6', AGENT_IDLE_PROCESSES: '4' },
    });
    await warm(second, 4);

    const two = await openRoom();
    const twoMs = await agentJoined(two);
    const name = two.created.session.roomName;
    expect(acceptedBy(second, name)).toBe(true);
    expect(acceptedBy(first, name)).toBe(false);
    console.log(
      `[measure] one room: agent joined after ${oneMs} ms (first worker); overflow room after ${twoMs} ms ` +
        `(second worker; first worker ${declinedBy(first, name) ? 'declined it' : 'was not offered it'})`,
    );
    await closeRoom(one);
    await closeRoom(two);
  });

  it('four rooms opened at once are all joined; a room the full worker declines goes to the other', {
    timeout: 600_000,
  }, async () => {
    if (!second) throw new Error('needs the second worker of the previous case');
    // the first worker has its one slot free again: offers it gets beyond that one must be declined
    await until('the first worker idle', async () =>
      (await activeJobs(firstHealthPort)) === 0 ? true : undefined,
    );
    // both workers have their warm processes again (one each went to the first two rooms)
    await warm(first, 2);
    await warm(second, 5);
    const burst = await Promise.all([openRoom(), openRoom(), openRoom(), openRoom()]);
    const joinedMs = await Promise.all(burst.map((room) => agentJoined(room)));
    const names = burst.map((r) => r.created.session.roomName);
    const byFirst = names.filter((n) => acceptedBy(first, n));
    const bySecond = names.filter((n) => acceptedBy(second as Service, n));
    const declined = names.filter((n) => declinedBy(first, n));
    // every room was accepted by exactly one worker, the first never beyond its one slot
    for (const n of names) expect(acceptedBy(first, n) !== acceptedBy(second, n)).toBe(true);
    expect(byFirst.length).toBeLessThanOrEqual(1);
    // a declined offer was offered again by livekit-server, and the second worker took it
    for (const n of declined) expect(acceptedBy(second, n)).toBe(true);
    console.log(
      `[measure] four rooms at once: agent joined after ${joinedMs.join(', ')} ms; ` +
        `first worker took ${byFirst.length}, second ${bySecond.length}; first declined ${declined.length}`,
    );
    for (const room of burst) await closeRoom(room);
  });
});
