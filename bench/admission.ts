/**
 * Benchmark: time from an interview room's creation (its first participant joining with a token that dispatches
 * the agent) to the agent in the room, through the real livekit-server, token server and one agent worker; for
 * one room at a time and for four rooms opened at once.
 *
 *   npm run bench:admission     (inside the e2e network namespace; needs root, see scripts/netns-run.sh)
 *
 * BENCH_RUNS (default 3) rounds of each; rooms are deleted after each round so their jobs free the worker's slots,
 * and each round starts once the worker is idle with its BENCH_IDLE warm job processes ready (default: the
 * worker's own, one spare room host; 4 with AGENT_ROOMS_PER_PROCESS=1 in BENCH_AGENT_ENV).
 * BENCH_AGENT_ENV (JSON) adds to the worker's environment. Writes bench-results/admission.json and prints it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dispose } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import { agentOf, createSession, join as joinRoom, waitFor } from '../test/e2e/clients/participant.js';
import { dispatchHint, freePort, type Stack, startStack } from '../test/e2e/harness/stack.js';
import { ROOT } from '../test/fixtures/paths.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const agentEnv = JSON.parse(process.env.BENCH_AGENT_ENV ?? '{}') as Record<string, string>;
/** Rooms one job process runs at a time (AGENT_ROOMS_PER_PROCESS; the worker's default 4). */
const ROOMS_PER_PROCESS = Number(agentEnv.AGENT_ROOMS_PER_PROCESS ?? 4);
/**
 * Warm job processes the worker keeps (AGENT_IDLE_PROCESSES): by default the worker's own, one spare room host, or
 * 4 with one room per process.
 */
const IDLE = Number(process.env.BENCH_IDLE ?? (ROOMS_PER_PROCESS > 1 ? 1 : 4));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Opens `n` rooms at once; resolves each room's time from its creation to the agent joining. */
async function round(stack: Stack, rooms: RoomServiceClient, n: number): Promise<number[]> {
  const opened = await Promise.all(
    Array.from({ length: n }, async () => {
      const created = await createSession(stack);
      const at = Date.now();
      const interviewer = await joinRoom(stack, created, 'interviewer', 'Bench interviewer');
      return { created, at, interviewer };
    }),
  );
  const ms = await Promise.all(
    opened.map(async ({ at, interviewer, created }) => {
      await waitFor(
        `agent in ${created.session.roomName}${dispatchHint(stack)}`,
        () => agentOf(interviewer),
        120_000,
      );
      return Date.now() - at;
    }),
  );
  for (const { interviewer, created } of opened) {
    await interviewer.leave();
    await rooms.deleteRoom(created.session.roomName).catch(() => {});
  }
  return ms;
}

/** Waits until the worker runs no job (its health server's `/worker` page). */
async function idle(port: number): Promise<void> {
  await waitForAsync(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/worker`).catch(() => undefined);
    return res?.ok && ((await res.json()) as { active_jobs: number }).active_jobs === 0;
  });
}

async function waitForAsync(check: () => Promise<boolean | undefined>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the worker did not settle (idle, warm processes ready)');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const count = (msg: string) => stack.agent.output().split(`"msg":"${msg}"`).length - 1;
/** Job processes the worker has initialised so far (each logs when it is ready for a job). */
const ready = () => count('job process ready');
/** Room hosts started and not (yet) told to exit. */
const hostsUp = () => count('room host ready') - count('room host exiting');
let jobs = 0;
/** The worker idle, with its warm processes ready for the next round. */
async function settled(port: number): Promise<void> {
  await idle(port);
  await waitForAsync(
    async () => (ROOMS_PER_PROCESS > 1 ? hostsUp() >= IDLE : ready() >= jobs + IDLE),
    300_000,
  );
}

const healthPort = await freePort();
// the e2e stack keeps one warm process; the benchmark measures the worker's own default (AGENT_MAX_JOBS, at most 4)
const stack = await startStack({
  agentEnv: { AGENT_HEALTH_PORT: String(healthPort), AGENT_IDLE_PROCESSES: String(IDLE), ...agentEnv },
});
try {
  const rooms = new RoomServiceClient(stack.livekit.httpUrl, stack.livekit.apiKey, stack.livekit.apiSecret);
  const one: number[] = [];
  const four: number[][] = [];
  for (let i = 0; i < RUNS; i++) {
    await settled(healthPort);
    one.push(...(await round(stack, rooms, 1)));
    jobs += 1;
  }
  for (let i = 0; i < RUNS; i++) {
    await settled(healthPort);
    four.push(await round(stack, rooms, 4));
    jobs += 4;
  }
  const result = {
    benchmark: 'admission',
    at: new Date().toISOString(),
    agentEnv,
    runs: RUNS,
    oneRoom: { ms: one, medianMs: median(one) },
    fourRoomsAtOnce: {
      ms: four,
      slowestMs: four.map((r) => Math.max(...r)),
      medianSlowestMs: median(four.map((r) => Math.max(...r))),
    },
  };
  const out = join(ROOT, 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'admission.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await stack.stop();
  await dispose();
}
