import type { RunningJobInfo } from '@livekit/agents';
import { logger } from '../log.js';
import { residentMb } from './memory-watch.js';
import {
  forkRoomHost,
  HostedJobHandle,
  type IdleHostHandle,
  RoomHost,
  type RoomHostOptions,
} from './room-host.js';
import { DEFAULT_HOST_LOGGER } from './room-host-messages.js';

/** Options of {@link RoomHostPool}. */
export interface RoomHostPoolOptions extends RoomHostOptions {
  /**
   * Hosts kept started that run no room (0: a host starts when a room comes). Rooms go to the fullest started host
   * with a free slot first, so these wait for a burst; a host whose rooms all ended beyond these exits.
   */
  spareProcesses: number;
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
    this.#log.info(
      {
        roomsPerProcess: this.#o.roomsPerProcess,
        roomsPerLife: this.#o.roomsPerLife,
        nodeOptions: this.#o.nodeOptions,
        preload: this.#o.env ? (this.#o.env.LD_PRELOAD ?? null) : 'inherited',
      },
      'room hosts',
    );
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
