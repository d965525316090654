import { loggerOptions } from '@livekit/agents';
import { frameworkPoolPrototype } from './framework-pool.js';
import { DEFAULT_HOST_LOGGER } from './room-host-messages.js';
import { RoomHostPool, type RoomHostPoolOptions } from './room-host-pool.js';
import { SEMI_SPACE_FLAG } from './settings.js';

/** What the framework's process pool holds that the room hosts take over (agents-js 1.9 `ipc/proc_pool.js`). */
interface FrameworkPool {
  agent: string;
  initializeTimeout: number;
  closeTimeout: number;
  /** The worker's `jobMemoryWarnMB` / `jobMemoryLimitMB` (per job; 0: off). */
  memoryWarnMB?: number;
  memoryLimitMB?: number;
}

/** The pool methods the framework's worker calls. */
const POOL_METHODS = ['start', 'launchJob', 'getByJobId', 'close'] as const;

/** Options of {@link useRoomHosts}: what the framework's own pool options do not say. */
export type RoomHostOptions = Pick<RoomHostPoolOptions, 'roomsPerProcess' | 'spareProcesses'> & {
  /** Largest semi-space of a host's young generation, MB (`--max-semi-space-size`); 0: V8's default. */
  semiSpaceMb: number;
  /** The hosts' environment (e.g. one that preloads a malloc library, see `allocator.ts`); unset: the worker's. */
  env?: NodeJS.ProcessEnv;
};

/**
 * The Node options a host process gets beyond the worker's: `--max-semi-space-size` when `semiSpaceMb` > 0 and the
 * worker's own options do not set it already (an operator's own choice wins; the config leaves one in
 * `NODE_OPTIONS` to apply). A host's rooms allocate a steady stream of short-lived media buffers; a young generation
 * that holds more of them collects less often, for the same garbage ([performance.md](../../../docs/performance.md)).
 */
export function hostNodeOptions(
  semiSpaceMb: number,
  execArgv: readonly string[] = process.execArgv,
): string[] {
  if (semiSpaceMb <= 0 || execArgv.some((a) => SEMI_SPACE_FLAG.test(a))) return [];
  return [`--max-semi-space-size=${semiSpaceMb}`];
}

const pools = new WeakMap<object, RoomHostPool>();

/**
 * Makes the agents framework's worker run its jobs in {@link RoomHostPool} hosts, several rooms to a process,
 * instead of one process per job. agents-js 1.9 builds its process pool inside the worker and has no executor
 * option, so its pool class is reached by file (beside the package's entry) and the five members its worker
 * uses are pointed at a room host pool created per worker. Call before the worker starts (`cli.runApp`).
 * A framework whose pool does not look as expected stops the process with a clear error rather than run
 * half-replaced.
 */
export async function useRoomHosts(options: RoomHostOptions): Promise<void> {
  const proto = await frameworkPoolPrototype();
  const missing = proto
    ? POOL_METHODS.filter((m) => typeof proto[m] !== 'function').concat(
        Object.getOwnPropertyDescriptor(proto, 'processes')?.get ? [] : ['processes' as never],
      )
    : ['ProcPool'];
  if (missing.length > 0)
    throw new Error(
      `room hosts: this version of @livekit/agents has no process pool with ${missing.join(', ')}; ` +
        'set AGENT_ROOMS_PER_PROCESS=1 to run one process per room',
    );
  const own = (self: FrameworkPool): RoomHostPool => {
    let pool = pools.get(self);
    if (!pool) {
      const { semiSpaceMb, ...rest } = options;
      pool = new RoomHostPool({
        ...rest,
        nodeOptions: hostNodeOptions(semiSpaceMb),
        agentModule: self.agent,
        initializeTimeoutMs: self.initializeTimeout,
        closeTimeoutMs: self.closeTimeout,
        // the framework's thresholds are per job: a host runs up to `roomsPerProcess` of them
        memoryWarnMb: (self.memoryWarnMB ?? 0) * options.roomsPerProcess,
        memoryLimitMb: (self.memoryLimitMB ?? 0) * options.roomsPerProcess,
        loggerOptions: () => loggerOptions() ?? DEFAULT_HOST_LOGGER,
      });
      pools.set(self, pool);
    }
    return pool;
  };
  Object.assign(proto as object, {
    start(this: FrameworkPool) {
      own(this).start();
    },
    launchJob(this: FrameworkPool, info: Parameters<RoomHostPool['launchJob']>[0]) {
      return own(this).launchJob(info);
    },
    getByJobId(this: FrameworkPool, id: string) {
      return own(this).getByJobId(id);
    },
    close(this: FrameworkPool) {
      return own(this).close();
    },
  });
  Object.defineProperty(proto, 'processes', {
    configurable: true,
    get(this: FrameworkPool) {
      return own(this).processes;
    },
  });
}
