/** What limits a worker: its job slots, the CPU of its process tree, how far its rooms' analysis lags. */
export type CapacityLimit = 'slots' | 'cpu' | 'lag';

/** Options of a {@link LoadModel}. */
export interface LoadModelOptions {
  /** Interviews the worker takes at a time (`AGENT_MAX_JOBS`). */
  maxJobs: number;
  /** Cores the worker may use (default: the machine's). */
  cores: number;
  /** Share of `cores` the worker's process tree may use before it counts as full (0–1]. */
  cpuLimit: number;
  /** Analysis lag (ms behind real time) at which the worker counts as full. */
  lagLimitMs: number;
  /**
   * The load livekit-server reads as full (`loadThreshold` of the agents framework; livekit-server's
   * `agents.target_load` defaults to the same 0.7). The reported load is the pressure scaled to it, so it stays
   * below 1 while the worker can take rooms (livekit-server never picks a worker reporting 1).
   */
  loadThreshold: number;
}

export const defaultLoadModelOptions = {
  maxJobs: 4,
  cpuLimit: 0.8,
  lagLimitMs: 1500,
  loadThreshold: 0.7,
} satisfies Partial<LoadModelOptions>;

/** What the worker is using now. */
export interface LoadSample {
  /** Jobs running or accepted and still starting. */
  jobs: number;
  /** Cores used by the worker's process tree. */
  cpuCores: number;
  /** Worst analysis lag reported by its job processes, ms. */
  lagMs: number;
}

/** The worker's capacity at one moment. */
export interface LoadState extends LoadSample {
  /** Use of each limit, 1 = at the limit. */
  pressure: Record<CapacityLimit, number>;
  /** The largest of {@link pressure}: ≥ 1 means full. */
  total: number;
  /** The limits reached (empty while the worker can take rooms). */
  reached: CapacityLimit[];
  /** The load to report to livekit-server, in [0, loadThreshold]. */
  reported: number;
}

/**
 * Turns what a worker uses into its capacity: the share of its job slots in use, of its CPU budget used by its
 * own process tree, and of the tolerated analysis lag; the worker is full when any of them is. {@link admits}
 * says whether one more room fits.
 */
export class LoadModel {
  #o: LoadModelOptions;

  constructor(opts: Pick<LoadModelOptions, 'cores'> & Partial<LoadModelOptions>) {
    this.#o = { ...defaultLoadModelOptions, ...opts };
    const { maxJobs, cores, cpuLimit, lagLimitMs, loadThreshold } = this.#o;
    if (!Number.isInteger(maxJobs) || maxJobs < 1)
      throw new RangeError(`maxJobs must be ≥ 1, got ${maxJobs}`);
    if (!(cores > 0)) throw new RangeError(`cores must be > 0, got ${cores}`);
    if (!(cpuLimit > 0 && cpuLimit <= 1)) throw new RangeError(`cpuLimit must be in (0, 1], got ${cpuLimit}`);
    if (!(lagLimitMs > 0)) throw new RangeError(`lagLimitMs must be > 0, got ${lagLimitMs}`);
    if (!(loadThreshold > 0 && loadThreshold < 1))
      throw new RangeError(`loadThreshold must be in (0, 1), got ${loadThreshold}`);
  }

  get options(): Readonly<LoadModelOptions> {
    return this.#o;
  }

  /** The capacity used by `sample`. */
  state(sample: LoadSample): LoadState {
    const { maxJobs, cores, cpuLimit, lagLimitMs, loadThreshold } = this.#o;
    const pressure: Record<CapacityLimit, number> = {
      slots: sample.jobs / maxJobs,
      cpu: sample.cpuCores / (cores * cpuLimit),
      lag: sample.lagMs / lagLimitMs,
    };
    const total = Math.max(pressure.slots, pressure.cpu, pressure.lag);
    const reached = (Object.keys(pressure) as CapacityLimit[]).filter((k) => pressure[k] >= 1);
    return { ...sample, pressure, total, reached, reported: Math.min(1, total) * loadThreshold };
  }

  /**
   * Whether a worker using `sample` can take one more room: a free slot, CPU below its budget and analysis on
   * time. Returns the limits that refuse it (empty: admitted).
   */
  refuses(sample: LoadSample): CapacityLimit[] {
    return this.state({ ...sample, jobs: sample.jobs + 1 }).reached.filter(
      // one more room must fit in the slots; CPU and lag must be below their limits now
      (k) => k !== 'slots' || sample.jobs + 1 > this.#o.maxJobs,
    );
  }
}
