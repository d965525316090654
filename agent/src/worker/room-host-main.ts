/**
 * A room host: one job process that runs several rooms, forked by {@link RoomHostPool} with the agent's module
 * (`agent.ts`/`agent.js`) and the framework's logger options as arguments. It runs the agent's `prewarm` once,
 * answers `ready`, and then runs each job it is sent the way the framework's own job process runs its one job:
 * a {@link JobContext} over a new room, the entry inside the job's context, and on the room's end (or a `stop`)
 * the room left and the job's shutdown callbacks run. It exits when told to, or when the worker goes away.
 */
import { pathToFileURL } from 'node:url';
import {
  type AgentDefinition,
  initializeLogger,
  isAgent,
  JobContext,
  JobProcess,
  type LoggerOptions,
  type RunningJobInfo,
  runWithJobContextAsync,
  telemetry,
} from '@livekit/agents';
import { dispose, Room, RoomEvent } from '@livekit/rtc-node';
import { logger } from '../log.js';
import { within } from '../within.js';
import { DEFAULT_HOST_LOGGER, type FromHost, toHostSchema } from './room-host-messages.js';

/** How long a job's entry may take to return once its room ended, before its clean-up runs anyway. */
const ENTRY_SETTLE_MS = 10_000;
/** How long the host waits for its jobs to end when the worker has gone, before it exits anyway. */
const ORPHAN_EXIT_MS = 10_000;

const [moduleFile, loggerJson] = process.argv.slice(2);
if (!moduleFile || !process.send) {
  console.error('room host: run by the worker (fork with an IPC channel), with the agent module as argument');
  process.exit(2);
}
initializeLogger(loggerJson ? (JSON.parse(loggerJson) as LoggerOptions) : DEFAULT_HOST_LOGGER);
const log = logger('room-host');

function send(msg: FromHost): void {
  try {
    if (process.connected) process.send?.(msg);
  } catch (err) {
    log.debug({ err, case: msg.case }, 'worker channel closed; message not sent');
  }
}

/** The agents framework's local inference is not used by this agent (its turns come from its own model). */
const noInference = {
  doInference: async (method: string) => {
    throw new Error(`inference ${method} is not available in a room host`);
  },
} as unknown as ConstructorParameters<typeof JobContext>[5];

/** One job of this host: its room, its context and its end. */
class HostedJob {
  readonly id: string;
  readonly #info: RunningJobInfo;
  #stop!: (reason: string) => void;
  readonly #stopped = new Promise<string>((resolve) => {
    this.#stop = resolve;
  });

  constructor(info: RunningJobInfo) {
    this.#info = info;
    this.id = info.job.id;
  }

  /** Ends the job; the first reason given is the one it ends with. */
  stop(reason: string): void {
    this.#stop(reason);
  }

  /** Runs the job to its end; resolves with why it ended. */
  async run(agent: AgentDefinition, proc: JobProcess): Promise<string> {
    const room = new Room();
    room.on(RoomEvent.Disconnected, () => this.stop('room disconnected'));
    const ctx = new JobContext(
      proc,
      this.#info,
      room,
      () => {},
      (reason) => this.stop(reason || 'shutdown'),
      noInference,
    );
    const entry = runWithJobContextAsync(ctx, async () => agent.entry(ctx));
    entry.catch((err: unknown) => {
      log.error({ err, jobId: this.id }, 'job entry failed');
      this.stop('job crashed');
    });
    const reason = await this.#stopped;
    await within(entry, ENTRY_SETTLE_MS);
    await runWithJobContextAsync(ctx, async () => {
      await room
        .disconnect()
        .catch((err: unknown) => log.warn({ err, jobId: this.id }, 'could not leave the room'));
      for (const callback of ctx.shutdownCallbacks) {
        await callback().catch((err: unknown) =>
          log.error({ err, jobId: this.id }, 'a shutdown callback of the job failed'),
        );
      }
    });
    return reason;
  }
}

async function loadAgent(file: string): Promise<AgentDefinition> {
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  const candidate = isAgent(module.default)
    ? module.default
    : (module.default as { default?: unknown } | undefined)?.default;
  if (!isAgent(candidate)) throw new Error(`no agent (defineAgent) as the default export of ${file}`);
  return candidate;
}

const agent = await loadAgent(moduleFile);
const proc = new JobProcess();
await agent.prewarm?.(proc);
const loopMonitor = telemetry.loopMonitor.startMonitoring({ name: 'job' });
const jobs = new Map<string, { job: HostedJob; done: Promise<void> }>();
let exiting = false;

async function exitWhenIdle(reason: string, waitMs?: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  log.info({ reason, rooms: jobs.size }, 'room host exiting');
  for (const { job } of jobs.values()) job.stop(reason);
  const all = Promise.all([...jobs.values()].map((j) => j.done));
  if (waitMs === undefined) await all;
  else await within(all, waitMs);
  if (loopMonitor) telemetry.loopMonitor.stopMonitoring(loopMonitor);
  await dispose().catch((err: unknown) => log.warn({ err }, 'could not dispose the native resources'));
  process.exit(0);
}

process.on('message', (raw: unknown) => {
  const parsed = toHostSchema.safeParse(raw);
  if (!parsed.success) {
    log.error({ issues: parsed.error.issues }, 'room host: malformed message from the worker; ignored');
    return;
  }
  const msg = parsed.data;
  switch (msg.case) {
    case 'ping':
      send({ case: 'pong', at: msg.at });
      break;
    case 'start': {
      const info = msg.info as unknown as RunningJobInfo;
      if (exiting || jobs.has(info.job.id)) {
        send({ case: 'done', jobId: info.job.id, reason: exiting ? 'host exiting' : 'job already running' });
        break;
      }
      const job = new HostedJob(info);
      const done = job
        .run(agent, proc)
        .catch((err: unknown) => {
          log.error({ err, jobId: job.id }, 'job failed');
          return 'job crashed';
        })
        .then((reason) => {
          jobs.delete(job.id);
          send({ case: 'done', jobId: job.id, reason });
        });
      jobs.set(job.id, { job, done });
      log.info({ jobId: job.id, room: info.job.room?.name, rooms: jobs.size }, 'job started in room host');
      break;
    }
    case 'stop':
      jobs.get(msg.jobId)?.job.stop(msg.reason);
      break;
    case 'exit':
      void exitWhenIdle(msg.reason);
      break;
  }
});
// The worker went away (exited or killed): end the rooms and exit, whatever they are doing.
process.on('disconnect', () => void exitWhenIdle('worker gone', ORPHAN_EXIT_MS));
// A signal to the whole process group: the worker drains its jobs and tells this host when to exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => log.debug({ signal }, 'signal ignored'));
process.on('unhandledRejection', (reason) =>
  log.debug({ err: reason }, 'unhandled rejection in a room host'),
);

send({ case: 'ready', startMs: Math.round(process.uptime() * 1000) });
