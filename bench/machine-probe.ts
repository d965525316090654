/**
 * How much CPU the machine itself gives during a benchmark. A small child process does one fixed unit of work
 * (a few ms of integer arithmetic) every `everyMs` and reports the unit's wall time and its own CPU time:
 *
 * - wall time above CPU time: the unit waited for a core (the machine is busy, with the benchmark or anything else);
 * - CPU time above its quiet value: the same work cost more CPU, as when the virtual machine's cores are shared on
 *   the host (time the host takes away shows up as CPU time of whatever ran) or run slower.
 *
 * Figures of runs made while the unit cost much more than on a quiet machine are not comparable with others.
 * The probe costs ~1 % of one core. With it, {@link cpuTimes} reads what the kernel says the cores did (`/proc/stat`):
 * units that waited while the kernel counts the cores as partly idle mean the machine got less CPU than it reports
 * (its virtual cores held back by the host).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { percentile } from './density-stats.js';

/** One unit of work as measured in the probe. */
export interface ProbeSample {
  at: number;
  wallMs: number;
  cpuMs: number;
}

/** The probe's samples of a time span. */
export interface ProbeSummary {
  samples: number;
  /** Median CPU time of one unit, ms. */
  unitCpuMs: number | null;
  /** Median wall time of one unit, ms. */
  unitWallMs: number | null;
  /** Share of the units' wall time spent waiting for a core (1 − CPU / wall, over all samples). */
  waitShare: number | null;
}

const UNIT = `
const n = Number(process.argv[1]);
const every = Number(process.argv[2]);
let sink = 0;
setInterval(() => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let x = 1;
  for (let i = 0; i < n; i++) x = Math.imul(x ^ i, 2654435761) >>> 0;
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  sink ^= x;
  process.stdout.write(JSON.stringify({ at: Date.now(), wallMs, cpuMs: (c.user + c.system) / 1000 }) + '\\n');
}, every);
`;

const r3 = (x: number | null) => (x === null ? null : Number(x.toFixed(3)));

/** Sums up samples (exported for tests). */
export function summariseProbe(samples: readonly ProbeSample[]): ProbeSummary {
  const wall = samples.reduce((a, s) => a + s.wallMs, 0);
  const cpu = samples.reduce((a, s) => a + s.cpuMs, 0);
  return {
    samples: samples.length,
    unitCpuMs: r3(
      percentile(
        samples.map((s) => s.cpuMs),
        0.5,
      ),
    ),
    unitWallMs: r3(
      percentile(
        samples.map((s) => s.wallMs),
        0.5,
      ),
    ),
    waitShare: wall > 0 ? r3(Math.max(0, 1 - cpu / wall)) : null,
  };
}

/** The probe process and the samples it reported. */
export class MachineProbe {
  #child?: ChildProcess;
  #samples: ProbeSample[] = [];
  #iterations: number;
  #everyMs: number;

  /** `iterations` of the unit (5 M: ~5–10 ms on these machines), one unit every `everyMs`. */
  constructor(opts: { iterations?: number; everyMs?: number } = {}) {
    this.#iterations = opts.iterations ?? 5_000_000;
    this.#everyMs = opts.everyMs ?? 500;
  }

  start(): void {
    if (this.#child) return;
    const child = spawn(process.execPath, ['-e', UNIT, String(this.#iterations), String(this.#everyMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.#samples.push(JSON.parse(line) as ProbeSample);
      } catch {
        // a torn line at exit
      }
    });
    this.#child = child;
  }

  /** The samples taken between two times (ms since the epoch). */
  summary(from: number, to: number): ProbeSummary {
    return summariseProbe(this.#samples.filter((s) => s.at >= from && s.at <= to));
  }

  stop(): void {
    this.#child?.kill();
    this.#child = undefined;
  }
}

/** The machine's CPU time so far by state, in clock ticks (first line of `/proc/stat`). */
export interface CpuTimes {
  busy: number;
  idle: number;
  iowait: number;
  steal: number;
}

export function parseCpuTimes(stat: string): CpuTimes {
  const f = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return { busy: user + nice + system + irq + softirq, idle, iowait, steal };
}

export function cpuTimes(): CpuTimes {
  return parseCpuTimes(readFileSync('/proc/stat', 'utf8'));
}

/** Shares (0–1) of the machine's CPU time between two readings, by state. */
export function cpuShares(a: CpuTimes, b: CpuTimes): CpuTimes {
  const d = {
    busy: b.busy - a.busy,
    idle: b.idle - a.idle,
    iowait: b.iowait - a.iowait,
    steal: b.steal - a.steal,
  };
  const total = d.busy + d.idle + d.iowait + d.steal || 1;
  const share = (x: number) => Number((x / total).toFixed(3));
  return { busy: share(d.busy), idle: share(d.idle), iowait: share(d.iowait), steal: share(d.steal) };
}
