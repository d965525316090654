import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunningJobInfo } from '@livekit/agents';
import { logger } from '../log.js';
import { within } from '../within.js';
import { MemoryWatch, residentMb } from './memory-watch.js';
import { DEFAULT_HOST_LOGGER, fromHostSchema, type ToHost } from './room-host-messages.js';

/** Options of {@link RoomHostPool}. */
export interface RoomHostPoolOptions {
  /** The agent's module (`defineAgent` default export), loaded by every host. */
  agentModule: string;
  /** Rooms one host process runs at a time. */
  roomsPerProcess: number;
  /**
   * Rooms one host runs over its life (default 4 × `roomsPerProcess`); it then takes no more and exits after the
   * last of them ends, so what a long-lived process might accumulate is bounded.
   */
  roomsPerLife: number;
  /**
   * Hosts kept started that run no room (0: a host starts when a room comes). Rooms go to the fullest started host
   * with a free slot first, so these wait for a burst; a host whose rooms all ended beyond these exits.
   */
  spareProcesses: number;
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
  /** Starts a host process (the default forks `room-host-main` beside this file). */
  fork: (agentModule: string, loggerJson: string, nodeOptions: string[]) => ChildProcess;
}

const DEFAULTS = {
  spareProcesses: 1,
  initializeTimeoutMs: 60_000,
  closeTimeoutMs: 60_000,
  pingIntervalMs: 2_500,
  pingTimeoutMs: 60_000,
  memoryWarnMb: 0,
  memoryLimitMb: 0,
  memoryCheckMs: 5_000,
  readRssMb: residentMb,
  loggerOptions: () => DEFAULT_HOST_LOGGER,
  nodeOptions: [],
  fork: forkRoomHost,
} satisfies Partial<RoomHostPoolOptions>;

/**
 * Forks the host entry beside this file: compiled `room-host-main.js`, or `.ts` under tsx (same exec args), with
 * `nodeOptions` after the worker's own.
 */
export function forkRoomHost(
  agentModule: string,
  loggerJson: string,
  nodeOptions: string[] = [],
): ChildProcess {
  const ts = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(ts ? './room-host-main.ts' : './room-host-main.js', import.meta.url));
  return fork(entry, [agentModule, loggerJson], { execArgv: [...process.execArgv, ...nodeOptions] });
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
interface IdleHostHandle {
  readonly runningJob: undefined;
  join(): Promise<void>;
  close(): Promise<void>;
}

/** One host process and the jobs it runs. */
class RoomHost {
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
  readonly #o: RoomHostPoolOptions;
  readonly #log = logger('room-host-pool');
  #ping?: NodeJS.Timeout;
  #pong?: NodeJS.Timeout;
  #memory?: MemoryWatch;

  constructor(o: RoomHostPoolOptions, onExit: (host: RoomHost) => void, onEmpty: (host: RoomHost) => void) {
    this.#o = o;
    this.child = o.fork(o.agentModule, JSON.stringify(o.loggerOptions()), o.nodeOptions);
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

/**
 * Runs the worker's jobs several to a process: each host process runs up to `roomsPerProcess` rooms at a time
 * and `roomsPerLife` over its life, then exits after the last of them, so a room costs its share of one runtime,
 * WebRTC stack and framework instead of a whole process. It offers what the framework's worker uses of its process pool (`start`,
 * `launchJob`, `processes`, `getByJobId`, `close`); a host that dies ends all its jobs, which the worker then
 * no longer lists (the job reaper removes their participants and the sessions resume in new jobs).
 */
export class RoomHostPool {
  readonly #o: RoomHostPoolOptions;
  readonly #hosts = new Set<RoomHost>();
  #started = false;
  #closed = false;
  #draining = false;
  #log = logger('room-host-pool');

  constructor(
    options: Pick<RoomHostPoolOptions, 'agentModule' | 'roomsPerProcess'> & Partial<RoomHostPoolOptions>,
  ) {
    this.#o = { ...DEFAULTS, roomsPerLife: 4 * options.roomsPerProcess, ...options };
    if (!Number.isInteger(this.#o.roomsPerProcess) || this.#o.roomsPerProcess < 1)
      throw new RangeError(`roomsPerProcess must be a whole number ≥ 1, got ${this.#o.roomsPerProcess}`);
    if (!Number.isInteger(this.#o.roomsPerLife) || this.#o.roomsPerLife < this.#o.roomsPerProcess)
      throw new RangeError(
        `roomsPerLife must be a whole number ≥ roomsPerProcess, got ${this.#o.roomsPerLife}`,
      );
  }

  /** Starts the spare hosts. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#topUp();
  }

  /** The running jobs, then one entry per host that has none (what the worker's drain closes). */
  get processes(): (HostedJobHandle | IdleHostHandle)[] {
    const out: (HostedJobHandle | IdleHostHandle)[] = [];
    for (const host of this.#hosts) {
      out.push(...host.jobs.values());
      if (host.jobs.size === 0)
        out.push({
          runningJob: undefined,
          join: () => host.exited,
          // only the worker's drain closes a host that runs no room: no spare is started from then on
          close: async () => {
            this.#draining = true;
            if (host.jobs.size === 0) void host.stop('worker closing');
            await host.exited;
          },
        });
    }
    return out;
  }

  /** Resident memory of each host alive, MB, as last read (0: not read yet). */
  get hostMemory(): { pid: number; rssMb: number; rooms: number }[] {
    return [...this.#hosts]
      .filter((h) => h.alive)
      .map((h) => ({ pid: h.child.pid ?? -1, rssMb: h.rssMb, rooms: h.jobs.size }));
  }

  /** Host processes alive now (for tests and benchmarks). */
  get hostPids(): number[] {
    return [...this.#hosts].filter((h) => h.alive).map((h) => h.child.pid ?? -1);
  }

  getByJobId(id: string): HostedJobHandle | null {
    for (const host of this.#hosts) {
      const job = host.jobs.get(id);
      if (job) return job;
    }
    return null;
  }

  /** Gives the job to a host with a free slot (ready ones first), starting one when none has. */
  async launchJob(info: RunningJobInfo): Promise<void> {
    if (this.#closed) throw new Error('room host pool is closed');
    const host = this.#pick() ?? this.#spawn();
    host.served += 1;
    const handle = new HostedJobHandle(host, info);
    host.jobs.set(info.job.id, handle);
    this.#topUp();
    try {
      await host.ready;
    } catch (err) {
      host.jobs.delete(info.job.id);
      handle.end();
      throw err;
    }
    if (!host.alive) throw new Error('room host exited before the job started');
    host.send({ case: 'start', info: JSON.parse(JSON.stringify(info)) });
  }

  /** Ends every job and host. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#hosts].map((h) => h.stop('worker closing')));
  }

  #pick(): RoomHost | undefined {
    const rank = (h: RoomHost) => (h.started ? 1_000 : 0) + h.jobs.size;
    let best: RoomHost | undefined;
    for (const host of this.#hosts) {
      if (host.free <= 0) continue;
      // a started host before one still starting, then the fullest: rooms pack into few processes
      if (!best || rank(host) > rank(best)) best = host;
    }
    return best;
  }

  #spawn(): RoomHost {
    const host = new RoomHost(
      this.#o,
      (h) => {
        this.#hosts.delete(h);
        this.#topUp();
      },
      (h) => this.#emptied(h),
    );
    host.ready.catch((err: unknown) =>
      this.#log.error({ err, pid: host.child.pid }, 'room host failed to start'),
    );
    this.#hosts.add(host);
    return host;
  }

  /** Hosts that run no room and could take one. */
  #spares(): RoomHost[] {
    return [...this.#hosts].filter((h) => h.jobs.size === 0 && h.free > 0);
  }

  /**
   * A host's last room ended: it exits when its life is used up, when more hosts than the spares run no room, or
   * when the worker drains.
   */
  #emptied(host: RoomHost): void {
    if (this.#closed || host.jobs.size > 0) return;
    if (host.free > 0 && !this.#draining && this.#spares().length <= this.#o.spareProcesses) return;
    const reason = this.#draining
      ? 'worker draining'
      : host.free > 0
        ? 'more spare processes than needed'
        : 'rooms done';
    host.retiring = true;
    host.send({ case: 'exit', reason });
    this.#topUp();
  }

  /** Keeps `spareProcesses` hosts started that run no room (a burst of rooms starts on them at once). */
  #topUp(): void {
    if (!this.#started || this.#closed || this.#draining) return;
    let spare = this.#spares().length;
    while (spare < this.#o.spareProcesses) {
      this.#spawn();
      spare += 1;
    }
  }
}
