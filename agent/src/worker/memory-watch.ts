import { readFileSync } from 'node:fs';
import { logger } from '../log.js';

/** `VmRSS` of a process in MB (Linux `/proc`), 0 when the process is gone or the figure unknown. */
export function residentMb(pid: number): number {
  try {
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Options of {@link MemoryWatch}. */
export interface MemoryWatchOptions {
  /** Above this resident memory the process is logged (again at each further 10 %), MB; 0: never. */
  warnMb: number;
  /** Above this resident memory `onLimit` is called once, MB; 0: never. */
  limitMb: number;
  /** How often the memory is read, ms. */
  everyMs: number;
  /** A process's resident memory in MB, 0 when unknown. */
  read: (pid: number) => number;
}

/**
 * Reads one process's resident memory every `everyMs` (the first time at once) while a warning or a limit is set,
 * as the framework does for its own job processes: warns above `warnMb`, calls `onLimit` (once) above `limitMb`.
 * `describe` adds the fields of each log line (what the process runs).
 */
export class MemoryWatch {
  /** The last resident memory read, MB (0: not yet). */
  rssMb = 0;
  readonly #timer?: NodeJS.Timeout;
  #warnedMb = 0;
  #log = logger('room-host-pool');

  constructor(
    pid: number,
    o: MemoryWatchOptions,
    onLimit: () => void,
    describe: () => Record<string, unknown> = () => ({}),
  ) {
    if (o.warnMb <= 0 && o.limitMb <= 0) return;
    const check = () => {
      const mb = o.read(pid);
      if (mb <= 0) return;
      this.rssMb = mb;
      const fields = { pid, rssMb: Math.round(mb), ...describe() };
      if (o.limitMb > 0 && mb > o.limitMb) {
        this.#log.error(
          { ...fields, limitMb: o.limitMb },
          'room host exceeded its memory limit; killed (its rooms resume in new jobs)',
        );
        this.stop();
        onLimit();
      } else if (o.warnMb > 0 && mb > o.warnMb && mb > this.#warnedMb * 1.1) {
        this.#warnedMb = mb;
        this.#log.warn(
          { ...fields, warnMb: o.warnMb, limitMb: o.limitMb },
          `room host memory above the warning threshold${o.limitMb > 0 ? '' : ' (advisory only: no limit is set)'}`,
        );
      }
    };
    this.#timer = setInterval(check, o.everyMs);
    this.#timer.unref();
    check();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
