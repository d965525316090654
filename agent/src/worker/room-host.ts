import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunningJobInfo } from '@livekit/agents';
import { logger } from '../log.js';
import { within } from '../within.js';
import { MemoryWatch } from './memory-watch.js';
import { fromHostSchema, type ToHost } from './room-host-messages.js';

/** Options of a {@link RoomHost} (the pool's, but for how many spare hosts it keeps). */
export interface RoomHostOptions {
  /** The agent's module (`defineAgent` default export), loaded by every host. */
  agentModule: string;
  /** Rooms one host process runs at a time. */
  roomsPerProcess: number;
  /**
   * Rooms one host runs over its life (default 4 × `roomsPerProcess`); it then takes no more and exits after the
   * last of them ends, so what a long-lived process might accumulate is bounded.
   */
  roomsPerLife: number;
  /** Longest start of a host (fork to `ready`) before it is killed, ms. */
  initializeTimeoutMs: number;
  /** How long a job may take to end when it is stopped, ms. */
  closeTimeoutMs: number;
  /** How often each host is pinged, ms. */
  pingIntervalMs: number;
  /** A host that has not answered a ping for this long is killed, ms. */
  pingTimeoutMs: number;
  /**
   * A host whose resident memory is above this is logged (again at each further 10 %), MB; 0: never. Like the
   * framework's `jobMemoryWarnMB`, for a process of several rooms.
   */
  memoryWarnMb: number;
  /**
   * A host whose resident memory is above this is killed, MB; 0: never. Its rooms end with it and resume in new
   * jobs (crash recovery). Like the framework's `jobMemoryLimitMB`, for a process of several rooms.
   */
  memoryLimitMb: number;
  /** How often each host's memory is read, ms. */
  memoryCheckMs: number;
  /** A process's resident memory in MB, 0 when unknown (default: `VmRSS` of `/proc/<pid>/status`). */
  readRssMb: (pid: number) => number;
  /** The framework's logger options, handed to each host. */
  loggerOptions: () => { pretty: boolean; level?: string };
  /** Node options for the host processes, after the worker's own (`process.execArgv`). */
  nodeOptions: string[];
  /** The host processes' environment; unset: the worker's own. */
  env?: NodeJS.ProcessEnv;
  /** Starts a host process (the default forks `room-host-main` beside this file). */
  fork: (
    agentModule: string,
    loggerJson: string,
    nodeOptions: string[],
    env: NodeJS.ProcessEnv | undefined,
  ) => ChildProcess;
}

/**
 * Forks the host entry beside this file: compiled `room-host-main.js`, or `.ts` under tsx (same exec args), with
 * `nodeOptions` after the worker's own, in `env` (default: the worker's environment).
 */
export function forkRoomHost(
  agentModule: string,
  loggerJson: string,
  nodeOptions: string[] = [],
  env?: NodeJS.ProcessEnv,
): ChildProcess {
  const ts = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(ts ? './room-host-main.ts' : './room-host-main.js', import.meta.url));
  return fork(entry, [agentModule, loggerJson], { execArgv: [...process.execArgv, ...nodeOptions], env });
}

/**
 * One running job as the framework's worker sees a job process: `runningJob`, `join()` (resolves when the job is
 * over) and `close()` (ends it). Several of them share one {@link RoomHost}.
 */
export class HostedJobHandle {
  readonly runningJob: RunningJobInfo;
  readonly #host: RoomHost;
  #done!: () => void;
  readonly #joined = new Promise<void>((resolve) => {
    this.#done = resolve;
  });
  #ended = false;

  constructor(host: RoomHost, info: RunningJobInfo) {
    this.#host = host;
    this.runningJob = info;
  }

  /** The job is over (its room left) or its host is gone. */
  end(): void {
    this.#ended = true;
    this.#done();
  }

  join(): Promise<void> {
    return this.#joined;
  }

  /** Ends the job; resolves when it is over, or after the close timeout. */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#host.send({ case: 'stop', jobId: this.runningJob.job.id, reason: 'shutdown request' });
    await within(this.#joined, this.#host.closeTimeoutMs);
  }
}

/** A started host process that runs no room: the worker's drain closes it like an idle job process. */
export interface IdleHostHandle {
  readonly runningJob: undefined;
  join(): Promise<void>;
  close(): Promise<void>;
}

/** One host process and the jobs it runs. */
export class RoomHost {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly jobs = new Map<string, HostedJobHandle>();
  /** Rooms given to this host over its life (at `roomsPerLife` it takes no more). */
  served = 0;
  /** Asked to exit: takes no more rooms. */
  retiring = false;
  alive = true;
  /** `ready` has resolved. */
  started = false;
  readonly exited: Promise<void>;
  readonly #o: RoomHostOptions;
  readonly #log = logger('room-host-pool');
  #ping?: NodeJS.Timeout;
  #pong?: NodeJS.Timeout;
  #memory?: MemoryWatch;

  constructor(o: RoomHostOptions, onExit: (host: RoomHost) => void, onEmpty: (host: RoomHost) => void) {
    this.#o = o;
    this.child = o.fork(o.agentModule, JSON.stringify(o.loggerOptions()), o.nodeOptions, o.env);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.alive = false;
        clearInterval(this.#ping);
        clearTimeout(this.#pong);
        this.#memory?.stop();
        if (this.jobs.size > 0)
          this.#log.warn(
            { pid: this.child.pid, code, signal, jobs: [...this.jobs.keys()] },
            'room host exited with rooms running',
          );
        for (const job of this.jobs.values()) job.end();
        this.jobs.clear();
        onExit(this);
        resolve();
      });
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`room host did not start within ${o.initializeTimeoutMs} ms`));
        this.child.kill('SIGKILL');
      }, o.initializeTimeoutMs);
      this.child.on('message', (raw: unknown) => {
        const parsed = fromHostSchema.safeParse(raw);
        if (!parsed.success) {
          this.#log.error(
            { pid: this.child.pid, issues: parsed.error.issues },
            'malformed message from a room host',
          );
          return;
        }
        const msg = parsed.data;
        if (msg.case === 'ready') {
          clearTimeout(timer);
          this.#log.info({ pid: this.child.pid, startMs: msg.startMs }, 'room host ready');
          this.#startPing();
          this.#watchMemory();
          this.started = true;
          resolve();
        } else if (msg.case === 'done') {
          const job = this.jobs.get(msg.jobId);
          this.jobs.delete(msg.jobId);
          job?.end();
          if (this.jobs.size === 0) onEmpty(this);
        } else if (msg.case === 'pong') {
          this.#pong?.refresh();
        }
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error('room host exited before it was ready'));
      });
    });
    this.ready.catch(() => undefined);
  }

  get closeTimeoutMs(): number {
    return this.#o.closeTimeoutMs;
  }

  /** Rooms it can take now. */
  get free(): number {
    if (!this.alive || this.retiring) return 0;
    return Math.max(
      0,
      Math.min(this.#o.roomsPerProcess - this.jobs.size, this.#o.roomsPerLife - this.served),
    );
  }

  send(msg: ToHost): void {
    try {
      if (this.alive && this.child.connected) this.child.send(msg);
    } catch (err) {
      this.#log.warn({ err, pid: this.child.pid, case: msg.case }, 'could not reach a room host');
    }
  }

  /** Asks the host to end its rooms and exit; kills it when it has not exited within the close timeout. */
  async stop(reason: string): Promise<void> {
    this.retiring = true;
    if (!this.alive) return;
    this.send({ case: 'exit', reason });
    if (!(await within(this.exited, this.#o.closeTimeoutMs))) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Resident memory as last read, MB (0: not read yet, or no threshold set). */
  get rssMb(): number {
    return this.#memory?.rssMb ?? 0;
  }

  /** Warns above `memoryWarnMb`, kills above `memoryLimitMb` (see {@link MemoryWatch}). */
  #watchMemory(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    const { memoryWarnMb, memoryLimitMb, memoryCheckMs, readRssMb } = this.#o;
    this.#memory = new MemoryWatch(
      pid,
      { warnMb: memoryWarnMb, limitMb: memoryLimitMb, everyMs: memoryCheckMs, read: readRssMb },
      () => {
        this.retiring = true;
        this.child.kill('SIGKILL');
      },
      () => ({ rooms: this.jobs.size, jobs: [...this.jobs.keys()] }),
    );
  }

  #startPing(): void {
    this.#ping = setInterval(() => this.send({ case: 'ping', at: Date.now() }), this.#o.pingIntervalMs);
    this.#ping.unref();
    this.#pong = setTimeout(() => {
      this.#log.warn({ pid: this.child.pid }, 'room host unresponsive; killed');
      this.child.kill('SIGKILL');
    }, this.#o.pingTimeoutMs);
    this.#pong.unref();
  }
}
