/**
 * CPU time and memory of the stack's processes, read from /proc at a fixed interval: the agent worker,
 * its job and inference processes and its speech recognizer (by command line), livekit-server, the database and
 * the token server (by process group), and the replay clients.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** What a process is, for the report. */
export type ProcessRole =
  | 'worker'
  | 'job'
  /** A job process that never ran a job (warm, or replaced before it initialised). */
  | 'job-warm'
  | 'inference'
  | 'stt'
  | 'agent-other'
  | 'livekit-server'
  | 'storage'
  | 'token-server'
  | 'client';

/** The fields of `/proc/<pid>/stat` the sampler uses. */
export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

/** Parses `/proc/<pid>/stat` (the command name may hold spaces and parentheses). */
export function parseStat(text: string): ProcStat {
  const rest = text
    .slice(text.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15
  return {
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    ticks: Number(rest[11]) + Number(rest[12]),
  };
}

/** Resident set size in bytes from `/proc/<pid>/status` (`VmRSS`); 0 for kernel threads and zombies. */
export function parseRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * Proportional and private memory in bytes from `/proc/<pid>/smaps_rollup`. RSS counts every page a process maps,
 * so the code of Node, libwebrtc and ONNX Runtime that all job processes share is counted once per process; PSS
 * splits each shared page among the processes that map it (the processes' PSS add up to the memory they really
 * use), and `private` (Private_Clean + Private_Dirty) is what the process alone holds: the memory freed when it
 * exits. 0 for both when the file is absent or unreadable.
 */
export function parseSmapsRollup(text: string): { pssBytes: number; privateBytes: number } {
  const bytes = smapsBytes(text);
  return { pssBytes: bytes('Pss'), privateBytes: bytes('Private_Clean') + bytes('Private_Dirty') };
}

/** Reads one `Key: N kB` field of `/proc/<pid>/smaps_rollup` text in bytes (0 when absent). */
export function smapsBytes(text: string): (key: string) => number {
  return (key) => Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
}

/** A job process: the framework's one-room process or a room host that runs several rooms. */
export function isJobProcess(cmdline: string): boolean {
  return cmdline.includes('job_proc_lazy_main') || cmdline.includes('room-host-main');
}

/** The role of an agent-group process from its command line. */
export function agentRole(cmdline: string): ProcessRole {
  if (isJobProcess(cmdline)) return 'job';
  if (cmdline.includes('inference_proc_lazy_main')) return 'inference';
  if (/stt_server\.py|whisper/i.test(cmdline)) return 'stt';
  if (cmdline.includes('agent/src/main') || cmdline.includes('agent/dist/main')) return 'worker';
  return 'agent-other';
}

/** One reading of one process. */
export interface ProcSample {
  t: number;
  ticks: number;
  rssBytes: number;
  /** Proportional set size (shared pages split among their processes); see {@link parseSmapsRollup}. */
  pssBytes: number;
  /** Pages only this process maps. */
  privateBytes: number;
}

/** Everything read about one process. */
export interface ProcTrack {
  pid: number;
  role: ProcessRole;
  cmd: string;
  samples: ProcSample[];
}

/** A process's CPU and memory over a span of time. */
export interface ProcUsage {
  pid: number;
  role: ProcessRole;
  cmd: string;
  /** Average cores used over the part of the span the process was seen in. */
  cores: number;
  /** CPU seconds used in the span. */
  cpuSeconds: number;
  rssStartMB: number;
  rssEndMB: number;
  rssMaxMB: number;
  /** Peak proportional set size (shared code split among the processes that map it). */
  pssMaxMB: number;
  /** Peak private memory (what the machine gets back when the process exits). */
  privateMaxMB: number;
  /** Seconds of the span the process was seen in. */
  seenSeconds: number;
}

const MB = 1024 * 1024;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** CPU and memory of `track` between `from` and `to` (ms since the epoch); `null` when not seen in it. */
export function usageOver(
  track: ProcTrack,
  from: number,
  to: number,
  ticksPerSecond: number,
): ProcUsage | null {
  const s = track.samples.filter((x) => x.t >= from && x.t <= to);
  const first = s[0];
  const last = s[s.length - 1];
  if (!first || !last) return null;
  const seconds = (last.t - first.t) / 1000;
  // a process first seen inside the span was born in it: count its CPU time from zero
  const bornInside = track.samples[0] === first && first.t > from;
  const cpuSeconds = (last.ticks - (bornInside ? 0 : first.ticks)) / ticksPerSecond;
  return {
    pid: track.pid,
    role: track.role,
    cmd: track.cmd,
    cores: seconds > 0 ? round(cpuSeconds / seconds, 3) : 0,
    cpuSeconds: round(cpuSeconds, 2),
    rssStartMB: round(first.rssBytes / MB),
    rssEndMB: round(last.rssBytes / MB),
    rssMaxMB: round(Math.max(...s.map((x) => x.rssBytes)) / MB),
    pssMaxMB: round(Math.max(...s.map((x) => x.pssBytes)) / MB),
    privateMaxMB: round(Math.max(...s.map((x) => x.privateBytes)) / MB),
    seenSeconds: round(seconds),
  };
}

/** Average cores `usage` used together over a span of `spanSeconds` (processes that came and went included). */
export function coresOver(usage: readonly ProcUsage[], spanSeconds: number): number {
  if (!(spanSeconds > 0)) return 0;
  return round(usage.reduce((a, u) => a + u.cpuSeconds, 0) / spanSeconds, 3);
}

/** Per role over a span of `spanSeconds`: processes seen, average cores used together, summed peak RSS and PSS. */
export function byRole(
  usage: readonly ProcUsage[],
  spanSeconds: number,
): Record<string, { processes: number; cores: number; rssMB: number; pssMB: number }> {
  const out: Record<string, { processes: number; cores: number; rssMB: number; pssMB: number }> = {};
  for (const role of new Set(usage.map((u) => u.role))) {
    const mine = usage.filter((u) => u.role === role);
    out[role] = {
      processes: mine.length,
      cores: coresOver(mine, spanSeconds),
      rssMB: round(mine.reduce((a, u) => a + u.rssMaxMB, 0)),
      pssMB: round(mine.reduce((a, u) => a + u.pssMaxMB, 0)),
    };
  }
  return out;
}

/** Options of {@link ProcessSampler}. */
export interface ProcessSamplerOptions {
  /** Process groups to watch and what their leaders are (the agent group is split by {@link agentRole}). */
  groups: { pgid: number; role: ProcessRole | 'agent' }[];
  /** Other processes to watch, by command line (e.g. the replay clients). */
  commands: { match: RegExp; role: ProcessRole }[];
  intervalMs: number;
  /** Only this process's descendants are watched (other stacks may run on the machine). */
  root: number;
}

export const defaultProcessSamplerOptions = { groups: [], commands: [], intervalMs: 1000, root: process.pid };

/** True when `pid` is `root` or one of its descendants, by the parent links of `stats`. */
export function descendsFrom(
  pid: number,
  root: number,
  stats: ReadonlyMap<number, Pick<ProcStat, 'ppid'>>,
): boolean {
  for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 0 && hops < 64; hops++) {
    if (p === root) return true;
    p = stats.get(p)?.ppid;
  }
  return false;
}

/**
 * The watched group `pid` counts in: its own when watched, else its nearest ancestor's (the agent worker's shared
 * services lead process groups of their own, below the worker); undefined when none is.
 */
export function watchedGroup(
  pid: number,
  pgids: readonly number[],
  stats: ReadonlyMap<number, Pick<ProcStat, 'ppid' | 'pgrp'>>,
): number | undefined {
  for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 0 && hops < 64; hops++) {
    const pgrp = stats.get(p)?.pgrp;
    if (pgrp !== undefined && pgids.includes(pgrp)) return pgrp;
    p = stats.get(p)?.ppid;
  }
  return undefined;
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc CPU times (`getconf CLK_TCK`, 100 almost everywhere). */
export function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clockTicks;
}

function readSmapsRollup(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return ''; // exited, or a kernel without smaps_rollup
  }
}

/** Reads every watched process every `intervalMs` until stopped. */
export class ProcessSampler {
  #o: ProcessSamplerOptions;
  #tracks = new Map<number, ProcTrack>();
  #timer?: NodeJS.Timeout;
  #lastT = 0;

  constructor(opts: Partial<ProcessSamplerOptions>) {
    this.#o = { ...defaultProcessSamplerOptions, ...opts };
  }

  /** Starts sampling (one reading at once). */
  start(): void {
    this.sample();
    this.#timer ??= setInterval(() => this.sample(), this.#o.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Every process seen so far. */
  tracks(): ProcTrack[] {
    return [...this.#tracks.values()];
  }

  /** Usage of every process seen between `from` and `to`. */
  usage(from: number, to: number): ProcUsage[] {
    const tps = ticksPerSecond();
    return this.tracks().flatMap((t) => usageOver(t, from, to, tps) ?? []);
  }

  /** Processes seen in the latest reading, by role. */
  live(role: ProcessRole): number {
    return this.tracks().filter((t) => t.samples[t.samples.length - 1]?.t === this.#lastT && t.role === role)
      .length;
  }

  /** Reads every watched process (descendants of this process only) once. */
  sample(): void {
    const t = Date.now();
    const stats = new Map<number, ProcStat>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        stats.set(Number(entry), parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8')));
      } catch {
        // the process exited while it was read
      }
    }
    const pgids = this.#o.groups.map((g) => g.pgid);
    for (const [pid, stat] of stats) {
      if (stat.state === 'Z' || stat.state === 'X') continue;
      try {
        let track = this.#tracks.get(pid);
        if (!track) {
          if (!descendsFrom(pid, this.#o.root, stats)) continue;
          track = this.#roleOf(pid, watchedGroup(pid, pgids, stats));
          if (!track) continue;
          this.#tracks.set(pid, track);
        }
        track.samples.push({
          t,
          ticks: stat.ticks,
          rssBytes: parseRss(readFileSync(`/proc/${pid}/status`, 'utf8')),
          ...parseSmapsRollup(readSmapsRollup(pid)),
        });
      } catch {
        // the process exited while it was read
      }
    }
    this.#lastT = t;
  }

  #roleOf(pid: number, pgrp: number | undefined): ProcTrack | undefined {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    const group = this.#o.groups.find((g) => g.pgid === pgrp);
    let role: ProcessRole | undefined;
    if (group) role = group.role === 'agent' ? agentRole(cmd) : group.role;
    else role = this.#o.commands.find((c) => c.match.test(cmd))?.role;
    return role ? { pid, role, cmd: cmd.slice(0, 160), samples: [] } : undefined;
  }
}
