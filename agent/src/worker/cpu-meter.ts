import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used so far by one process and by the children it has reaped. */
interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

/** Reads `/proc`: the pids, and the parent and CPU ticks of one pid (undefined when it is gone). */
export interface ProcSource {
  pids(): number[];
  stat(pid: number): ProcStat | undefined;
}

/** Parses a `/proc/<pid>/stat` line (the command name may hold spaces and parentheses). */
export function parseProcStat(line: string): ProcStat | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  // after ") ": state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17); fields[0] is field 3
  const fields = line.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  if (!Number.isFinite(pid) || !Number.isFinite(ppid) || !Number.isFinite(ticks)) return undefined;
  return { pid, ppid, ticks };
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
};

/** Options of a {@link ProcessTreeCpu}. */
export interface ProcessTreeCpuOptions {
  /** Root of the tree: the worker's own process. */
  rootPid: number;
  /** Clock ticks per second of `/proc` times (`getconf CLK_TCK`: 100 on Linux). */
  ticksPerSecond: number;
  source: ProcSource;
  now: () => number;
}

export const defaultProcessTreeCpuOptions: ProcessTreeCpuOptions = {
  rootPid: process.pid,
  ticksPerSecond: 100,
  source: linuxProc,
  now: () => performance.now(),
};

/**
 * CPU used by a process and all its descendants (the worker, its job processes, the shared recognizer and
 * whatever they start), in cores, between two calls of {@link sample}. Children that exit are not lost: once
 * reaped, their time moves into their parent's `cutime`/`cstime`, which is counted too. Processes outside the
 * tree (livekit-server, a database, a browser, other services on the host) are not counted.
 */
export class ProcessTreeCpu {
  #o: ProcessTreeCpuOptions;
  #last?: { at: number; ticks: Map<number, number> };

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

  /** The pids of the tree now, with their CPU ticks. */
  #tree(): Map<number, number> {
    const { source, rootPid } = this.#o;
    const stats = source.pids().flatMap((pid) => source.stat(pid) ?? []);
    const children = new Map<number, ProcStat[]>();
    for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
    const root = stats.find((s) => s.pid === rootPid);
    const out = new Map<number, number>();
    const stack = root ? [root] : [];
    while (stack.length > 0) {
      const s = stack.pop() as ProcStat;
      if (out.has(s.pid)) continue;
      out.set(s.pid, s.ticks);
      stack.push(...(children.get(s.pid) ?? []));
    }
    return out;
  }

  /**
   * Cores used by the tree since the previous call (0 on the first call). A process that appeared since then
   * counts with all its time (it started within the interval); one that exited was reaped by its parent, whose
   * children's time now holds its whole life, so what was already counted of it is taken off again.
   */
  sample(): number {
    const at = this.#o.now();
    const ticks = this.#tree();
    const last = this.#last;
    this.#last = { at, ticks };
    if (!last || at <= last.at) return 0;
    let used = 0;
    for (const [pid, t] of ticks) used += Math.max(0, t - (last.ticks.get(pid) ?? 0));
    for (const [pid, t] of last.ticks) if (!ticks.has(pid)) used -= t;
    return Math.max(0, used) / this.#o.ticksPerSecond / ((at - last.at) / 1000);
  }
}
