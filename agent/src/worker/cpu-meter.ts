import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used so far by one process and by the children it has reaped. */
interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
  /** When the process started, in clock ticks since the machine booted. */
  startTicks: number;
}

/** Reads `/proc`: the pids, the parent and CPU ticks of one pid (undefined when it is gone), the uptime. */
export interface ProcSource {
  pids(): number[];
  stat(pid: number): ProcStat | undefined;
  /** Seconds since the machine booted (`/proc/uptime`). */
  uptimeSeconds(): number;
}

/** Parses a `/proc/<pid>/stat` line (the command name may hold spaces and parentheses). */
export function parseProcStat(line: string): ProcStat | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  // after ") ": state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17) … starttime(22); fields[0] is field 3
  const fields = line.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  const startTicks = Number(fields[19]);
  if (![pid, ppid, ticks, startTicks].every(Number.isFinite)) return undefined;
  return { pid, ppid, ticks, startTicks };
}

/** The real `/proc` of a Linux machine. */
export const linuxProc: ProcSource = {
  pids: () =>
    readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .map(Number),
  stat: (pid) => {
    try {
      return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return undefined;
    }
  },
  uptimeSeconds: () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]),
};

/** Options of a {@link ProcessTreeCpu}. */
export interface ProcessTreeCpuOptions {
  /** Root of the tree: the worker's own process. */
  rootPid: number;
  /** Clock ticks per second of `/proc` times (`getconf CLK_TCK`: 100 on Linux). */
  ticksPerSecond: number;
  source: ProcSource;
  now: () => number;
  /**
   * CPU of a process in its first `startupGraceMs` is left out (0: counted). A new job process imports the
   * framework and loads its models: about a core for a few seconds, which then ends. Counted, it made a worker
   * that was starting its warm processes report itself full, and livekit-server dropped the rooms offered meanwhile.
   */
  startupGraceMs: number;
}

export const defaultProcessTreeCpuOptions: ProcessTreeCpuOptions = {
  rootPid: process.pid,
  ticksPerSecond: 100,
  source: linuxProc,
  now: () => performance.now(),
  startupGraceMs: 10_000,
};

/**
 * CPU used by a process and all its descendants (the worker, its job processes, the shared recognizer and
 * whatever they start), in cores, between two calls of {@link sample}. Children that exit are not lost: once
 * reaped, their time moves into their parent's `cutime`/`cstime`, which is counted too. Processes outside the
 * tree (livekit-server, a database, a browser, other services on the host) are not counted, nor is a process's
 * own CPU in its first `startupGraceMs` (its start, not a room's load).
 */
export class ProcessTreeCpu {
  #o: ProcessTreeCpuOptions;
  #last?: { at: number; ticks: Map<number, number> };
  /** The pids of the tree now, with their CPU ticks, and those still in their start-up grace. */

  constructor(opts: Partial<ProcessTreeCpuOptions> = {}) {
    this.#o = { ...defaultProcessTreeCpuOptions, ...opts };
  }

  /** Whether this machine can be measured (Linux `/proc`). */
  static available(source: ProcSource = linuxProc): boolean {
    try {
      return source.stat(process.pid) !== undefined;
    } catch {
      return false;
    }
  }

  #tree(): { ticks: Map<number, number>; starting: Set<number> } {
    const { source, rootPid, ticksPerSecond, startupGraceMs } = this.#o;
    const stats = source.pids().flatMap((pid) => source.stat(pid) ?? []);
    const children = new Map<number, ProcStat[]>();
    for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
    const root = stats.find((s) => s.pid === rootPid);
    const ticks = new Map<number, number>();
    const starting = new Set<number>();
    const uptimeMs = startupGraceMs > 0 ? source.uptimeSeconds() * 1000 : Number.NaN;
    const stack = root ? [root] : [];
    while (stack.length > 0) {
      const s = stack.pop() as ProcStat;
      if (ticks.has(s.pid)) continue;
      ticks.set(s.pid, s.ticks);
      if (startupGraceMs > 0 && uptimeMs - (s.startTicks / ticksPerSecond) * 1000 < startupGraceMs)
        starting.add(s.pid);
      stack.push(...(children.get(s.pid) ?? []));
    }
    return { ticks, starting };
  }

  /**
   * Cores used by the tree since the previous call (0 on the first call). A process that appeared since then
   * counts with all its time (it started within the interval); one that exited was reaped by its parent, whose
   * children's time now holds its whole life, so what was already counted of it is taken off again. A process
   * still in its start-up grace counts nothing.
   */
  sample(): number {
    const at = this.#o.now();
    const { ticks, starting } = this.#tree();
    const last = this.#last;
    this.#last = { at, ticks };
    if (!last || at <= last.at) return 0;
    let used = 0;
    for (const [pid, t] of ticks) if (!starting.has(pid)) used += Math.max(0, t - (last.ticks.get(pid) ?? 0));
    for (const [pid, t] of last.ticks) if (!ticks.has(pid)) used -= t;
    return Math.max(0, used) / this.#o.ticksPerSecond / ((at - last.at) / 1000);
  }
}
