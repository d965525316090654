/**
 * Density benchmark: N scripted interviews at once (the replay scenarios, each room played by the Go client)
 * against ONE agent worker with a real livekit-server and storage, for growing N. Per level: CPU and RSS of the
 * worker and each job process (from /proc), per-room signal and hint latency p95, camera frames and audio seconds
 * the analysers took in versus what was sent, expected events missed. Stops at the first level where a room is
 * not on time (an expected event outside the scenario's own window) and prints the largest level that was.
 *
 *   npm run bench:density                                   (inside the e2e network namespace; needs root)
 *   npm run bench:density -- --levels 1,2,4 --stagger-ms 2000 [--stt] [--keep-going] [scenario dir...]
 *   DENSITY_LEVELS=1,2 DENSITY_STT=1 npm run bench:density
 *
 * Writes bench-results/density.json (`--out` to change).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type Stack, startStack } from '../test/e2e/harness/stack.js';
import { ROOT } from '../test/fixtures/paths.js';
import { suiteScenarios } from '../test/replay/bench.js';
import { clientBinary } from '../test/replay/client.js';
import { loadScenario, type Scenario } from '../test/replay/load.js';
import { expectedSchema, readJson } from '../test/replay/scenario.js';
import { playRooms, type RoomResult } from './density-rooms.js';
import {
  agentLogCounts,
  jobPids,
  largestOnTime,
  levelOnTime,
  parseLevels,
  percentile,
  steadySpan,
} from './density-stats.js';
import { type CpuTimes, cpuShares, cpuTimes, MachineProbe, type ProbeSummary } from './machine-probe.js';
import { byRole, coresOver, ProcessSampler, type ProcUsage } from './proc-sampler.js';

/** Expected event types that need speech-to-text: scenarios expecting them are left out with STT off. */
const NEEDS_STT = new Set(['transcript', 'coverage', 'plan']);

/** The scenarios a run plays: those given, or every suite scenario that can pass with the chosen STT setting. */
export async function densityScenarios(dirs: string[], stt: boolean): Promise<Scenario[]> {
  const needsStt = (dir: string) =>
    readJson(join(dir, 'expected.json'), expectedSchema).events.some((e) => NEEDS_STT.has(e.type));
  const chosen = dirs.length ? dirs : suiteScenarios().filter((d) => stt || !needsStt(d));
  const out: Scenario[] = [];
  for (const dir of chosen) out.push(await loadScenario(dir));
  return out;
}

/** Starts the stack for a benchmark: one worker that takes `maxJobs` rooms, speech-to-text on or off. */
export async function startBenchStack(maxJobs: number, stt: boolean): Promise<Stack> {
  return startStack({
    agentEnv: {
      AGENT_MAX_JOBS: String(maxJobs),
      STT_ENGINE: stt ? 'local' : 'none',
      AGENT_STATS_INTERVAL_MS: '1000',
    },
  });
}

/** A sampler of every process of `stack` and of the replay clients. */
export function stackSampler(stack: Stack, intervalMs: number): ProcessSampler {
  return new ProcessSampler({
    intervalMs,
    groups: [
      { pgid: stack.agent.pid, role: 'agent' },
      { pgid: stack.livekit.service.pid, role: 'livekit-server' },
      { pgid: stack.tokenServer.pid, role: 'token-server' },
    ],
    commands: [
      { match: /pglite-server/, role: 'storage' },
      { match: /replay-client-/, role: 'client' },
    ],
  });
}

const AGENT_ROLES = new Set(['worker', 'job', 'job-warm', 'inference', 'stt', 'agent-other']);

/** Tells the job processes that ran a room from warm ones that never did (by the worker's log). */
const withWarm = (usage: ProcUsage[], ran: Set<number>): ProcUsage[] =>
  usage.map((u) => (u.role === 'job' && !ran.has(u.pid) ? { ...u, role: 'job-warm' } : u));
const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 1000) / 1000;
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);

/** What the processes used over a span of time. */
export interface UsageSpan {
  usage: ProcUsage[];
  seconds: number;
}

/**
 * Peak RSS, PSS and private memory of the job processes that ran rooms, per room (their sum over `rooms`: with one
 * room per process the mean of the processes); null without any.
 */
function perRoom(jobs: readonly ProcUsage[], rooms: number) {
  if (jobs.length === 0 || rooms <= 0) return null;
  const share = (f: (u: ProcUsage) => number) => Math.round(sum(jobs.map(f)) / rooms);
  return {
    rss: share((u) => u.rssMaxMB),
    pss: share((u) => u.pssMaxMB),
    private: share((u) => u.privateMaxMB),
  };
}

/** The figures of one level. */
export function summariseLevel(
  n: number,
  rooms: RoomResult[],
  usage: { whole: UsageSpan; steady: UsageSpan | null },
  load: number[][],
) {
  const cpu = ({ usage: u, seconds }: UsageSpan) => {
    const agent = u.filter((x) => AGENT_ROLES.has(x.role));
    const jobs = agent.filter((x) => x.role === 'job');
    return {
      seconds: Math.round(seconds),
      agentCores: coresOver(agent, seconds),
      jobCoresPerRoom: Math.round((coresOver(jobs, seconds) / n) * 1000) / 1000,
      byRole: byRole(u, seconds),
    };
  };
  const seconds = usage.whole.seconds;
  const agent = usage.whole.usage.filter((u) => AGENT_ROLES.has(u.role));
  const jobs = agent.filter((u) => u.role === 'job');
  const p95s = (g: 'signals' | 'hints') =>
    rooms.flatMap((r) => (r[g]?.p95 == null ? [] : [r[g].p95 as number]));
  const lat = (g: 'signals' | 'hints') =>
    rooms.flatMap((r) =>
      (r.run?.events ?? [])
        .filter((e) => (g === 'signals' ? e.type === 'signal' : e.type === 'hint' || e.type === 'conduct'))
        .flatMap((e) => (e.latencyMs === undefined ? [] : [e.latencyMs])),
    );
  const cov = rooms.flatMap((r) => (r.coverage ? [r.coverage] : []));
  const media = {
    videoFramesIn: sum(cov.map((c) => c.videoFramesIn)),
    videoFramesSent: sum(cov.map((c) => c.videoFramesSent)),
    audioSecondsIn: sum(cov.map((c) => c.audioSecondsIn)),
    audioSecondsSent: sum(cov.map((c) => c.audioSecondsSent)),
  };
  return {
    n,
    onTime: levelOnTime(
      rooms.map((r) => r.verdict),
      n,
    ),
    seconds: Math.round(seconds),
    loadAverage: { start: load[0], end: load[1] },
    /** Over the whole level (joins and model loading included), and while every room played at once. */
    cpu: { whole: cpu(usage.whole), steady: usage.steady ? cpu(usage.steady) : null },
    rss: {
      agentTotalMB: Math.round(sum(agent.map((u) => u.rssMaxMB))),
      /** Proportional set sizes: code shared by the processes (Node, libwebrtc, ONNX Runtime) counted once. */
      agentTotalPssMB: Math.round(sum(agent.map((u) => u.pssMaxMB))),
      /** The job processes that ran rooms: peak RSS, PSS and private memory over the level's rooms. */
      jobPerRoomMB: perRoom(jobs, n),
      jobProcesses: jobs.length,
      perProcess: usage.whole.usage.map(
        ({ pid, role, cores, rssMaxMB, rssStartMB, rssEndMB, pssMaxMB, privateMaxMB }) => ({
          pid,
          role,
          cores,
          rssMaxMB,
          rssStartMB,
          rssEndMB,
          pssMaxMB,
          privateMaxMB,
        }),
      ),
    },
    latency: {
      signalP95MaxOverRooms: p95s('signals').length ? Math.max(...p95s('signals')) : null,
      hintP95MaxOverRooms: p95s('hints').length ? Math.max(...p95s('hints')) : null,
      signalP95AllRooms: percentile(lat('signals'), 0.95),
      hintP95AllRooms: percentile(lat('hints'), 0.95),
    },
    missedExpected: rooms.reduce((a, r) => a + r.verdict.missed, 0),
    lateExpected: rooms.reduce((a, r) => a + r.verdict.late, 0),
    failedRooms: rooms.filter((r) => r.verdict.error).length,
    media: {
      ...media,
      videoRatio: ratio(media.videoFramesIn, media.videoFramesSent),
      audioRatio: ratio(media.audioSecondsIn, media.audioSecondsSent),
    },
    rooms: rooms.map(({ run, ...r }) => r),
  };
}

/** Waits until at most `idle` job processes are left (the previous level's sessions have ended). */
export async function waitForJobsToEnd(
  sampler: ProcessSampler,
  idle: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    sampler.sample();
    if (sampler.live('job') <= idle) return true;
    await sleep(1000);
  }
  return false;
}

const fmt = (x: number | null | undefined, unit = '') => (x == null ? '—' : `${x}${unit}`);

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      levels: { type: 'string', default: process.env.DENSITY_LEVELS ?? '1,2,4,8,12,16' },
      stt: { type: 'boolean', default: process.env.DENSITY_STT === '1' },
      'stagger-ms': { type: 'string', default: process.env.DENSITY_STAGGER_MS ?? '1000' },
      'keep-going': { type: 'boolean', default: false },
      out: { type: 'string', default: join(ROOT, 'bench-results/density.json') },
    },
  });
  const levels = parseLevels(values.levels);
  const staggerMs = Number(values['stagger-ms']);
  const stt = values.stt;
  const scenarios = await densityScenarios(positionals, stt);
  if (!scenarios.length) throw new Error('no scenario to play');
  clientBinary();
  console.log(
    `density: levels ${levels.join(', ')}; STT ${stt ? 'local' : 'off'}; scenarios ${scenarios.map((s) => s.name).join(', ')}`,
  );
  // the machine's speed before the stack starts, then during each level
  const probe = new MachineProbe();
  probe.start();
  const probeFrom = Date.now();
  await sleep(3000);
  const quietProbe = probe.summary(probeFrom, Date.now());
  const stack = await startBenchStack(Math.max(...levels), stt).catch((err: unknown) => {
    probe.stop();
    throw err;
  });
  const sampler = stackSampler(stack, 1000);
  sampler.start();
  const results: (ReturnType<typeof summariseLevel> & {
    agentLog: ReturnType<typeof agentLogCounts>;
    machineProbe: ProbeSummary & { cpu: CpuTimes };
  })[] = [];
  try {
    for (const [i, n] of levels.entries()) {
      await waitForJobsToEnd(sampler, 1, 120_000);
      const load = [loadavg().map((x) => Math.round(x * 100) / 100)];
      const from = Date.now();
      const cpuFrom = cpuTimes();
      const logBefore = agentLogCounts(stack.agent.output());
      const rooms = await playRooms({
        server: { url: stack.tokenServerUrl },
        scenarios,
        rooms: n,
        staggerMs,
        batch: 100 * n + i,
        onRoom: (r) =>
          console.log(
            `  N=${n} room ${r.room} ${r.scenario}: ${r.verdict.onTime ? 'on time' : 'NOT on time'}` +
              ` (late ${r.verdict.late}, missed ${r.verdict.missed}${r.verdict.error ? `, error: ${r.verdict.error.split('\n')[0]}` : ''})` +
              ` signal p95 ${fmt(r.signals?.p95, ' ms')}, hint p95 ${fmt(r.hints?.p95, ' ms')}, ready ${fmt(r.readyMs, ' ms')}`,
          ),
      });
      const to = Date.now();
      sampler.sample();
      load.push(loadavg().map((x) => Math.round(x * 100) / 100));
      const steady = steadySpan(rooms.flatMap((r) => (r.t0 ? [{ t0: r.t0, mediaMs: r.mediaMs }] : [])));
      const ran = jobPids(stack.agent.output());
      const usage = {
        whole: { usage: withWarm(sampler.usage(from, to), ran), seconds: (to - from) / 1000 },
        steady: steady
          ? {
              usage: withWarm(sampler.usage(steady.from, steady.to), ran),
              seconds: (steady.to - steady.from) / 1000,
            }
          : null,
      };
      const level = summariseLevel(n, rooms, usage, load);
      const logAfter = agentLogCounts(stack.agent.output());
      const machineProbe = { ...probe.summary(from, to), cpu: cpuShares(cpuFrom, cpuTimes()) };
      results.push({
        ...level,
        agentLog: {
          initTimeouts: logAfter.initTimeouts - logBefore.initTimeouts,
          processFailures: logAfter.processFailures - logBefore.processFailures,
        },
        machineProbe,
      });
      console.log(
        `N=${n}: ${level.onTime ? 'ON TIME' : 'NOT on time'}; agent ${level.cpu.whole.agentCores} cores` +
          ` (all rooms playing: agent ${fmt(level.cpu.steady?.agentCores)}, jobs ${fmt(level.cpu.steady?.jobCoresPerRoom)}/room), RSS ${level.rss.agentTotalMB} MB (PSS ${level.rss.agentTotalPssMB} MB);` +
          ` p95 signal ${fmt(level.latency.signalP95MaxOverRooms, ' ms')} hint ${fmt(level.latency.hintP95MaxOverRooms, ' ms')};` +
          ` video ${level.media.videoRatio} audio ${level.media.audioRatio}; missed ${level.missedExpected};` +
          ` job processes that failed to start ${logAfter.processFailures - logBefore.processFailures}; load ${load[1]?.join(' ')};` +
          ` probe unit ${fmt(machineProbe.unitCpuMs, ' ms')} CPU (${fmt(quietProbe.unitCpuMs, ' ms')} before the stack), waited ${fmt(machineProbe.waitShare)};` +
          ` cores busy ${machineProbe.cpu.busy} (idle ${machineProbe.cpu.idle}, steal ${machineProbe.cpu.steal})`,
      );
      if (!level.onTime && !values['keep-going']) break;
    }
  } finally {
    sampler.stop();
    probe.stop();
    await stack.stop();
  }
  const largest = largestOnTime(results);
  const out = {
    benchmark: 'density',
    at: new Date().toISOString(),
    machine: { cpus: availableParallelism(), quietProbe },
    stt: stt ? 'local' : 'off',
    staggerMs,
    scenarios: scenarios.map((s) => s.name),
    levelsAsked: levels,
    largestOnTime: largest,
    levels: results,
  };
  mkdirSync(dirname(resolve(values.out)), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(out, null, 2)}\n`);
  console.log(
    `\nlargest N with every room on time: ${largest ?? 'none'} (of ${levels.join(', ')}; ${values.out})`,
  );
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
