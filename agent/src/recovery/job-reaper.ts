import { RoomServiceClient, TwirpError } from 'livekit-server-sdk';
import { logger } from '../log.js';

/** What the reaper reads of a running job (the agents framework's `RunningJobInfo`). */
export interface WatchedJob {
  job: { id: string; room?: { name: string } };
  acceptArguments: { identity: string };
}

/** The worker as the reaper sees it: its jobs in progress (`AgentServer.activeJobs`). */
export interface WatchedWorker {
  readonly activeJobs: WatchedJob[];
}

/** Removes a participant from a room: true when it was there, false when it had already gone. */
export type RemoveParticipant = (roomName: string, identity: string) => Promise<boolean>;

/** Options of {@link JobReaper}. */
export interface JobReaperOptions {
  remove: RemoveParticipant;
  /** How often the worker's jobs are looked at (default 500 ms). */
  intervalMs: number;
}

/**
 * Makes a dead job process visible at once. When a job process dies (killed, out of memory, crashed) its agent
 * participant stays in the room until LiveKit notices the lost connection, which takes about 20 s, and only then
 * does the token server's supervisor re-dispatch the agent. The reaper, in the worker's main process, sees the
 * job leave the worker's list of running jobs and removes its participant from the room right away: LiveKit then
 * sends `participant_left` and the session resumes in a new job within seconds. A job that ended normally has
 * already left its room; removing it again is a no-op.
 */
export class JobReaper {
  readonly #o: JobReaperOptions;
  readonly #known = new Map<string, { roomName: string; identity: string }>();
  #worker?: WatchedWorker;
  #timer?: NodeJS.Timeout;
  #log = logger('job-reaper');

  constructor(options: Pick<JobReaperOptions, 'remove'> & Partial<JobReaperOptions>) {
    this.#o = { intervalMs: 500, ...options };
  }

  /** Follows `worker` (call it with the worker whenever it is at hand, e.g. from the load function). */
  watch(worker: WatchedWorker): void {
    if (this.#worker) return;
    this.#worker = worker;
    this.#timer = setInterval(() => void this.check(worker.activeJobs), this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Compares the running jobs with those seen before; the participants of vanished jobs are removed. */
  async check(jobs: readonly WatchedJob[]): Promise<void> {
    const running = new Set<string>();
    for (const info of jobs) {
      const roomName = info.job.room?.name;
      if (!roomName) continue;
      running.add(info.job.id);
      this.#known.set(info.job.id, { roomName, identity: info.acceptArguments.identity });
    }
    const gone = [...this.#known.entries()].filter(([id]) => !running.has(id));
    for (const [id] of gone) this.#known.delete(id);
    await Promise.all(
      gone.map(async ([jobId, { roomName, identity }]) => {
        try {
          if (!(await this.#o.remove(roomName, identity))) return;
          this.#log.warn(
            { jobId, room: roomName, identity },
            'job process gone: its participant removed from the room',
          );
        } catch (err) {
          this.#log.warn({ err, jobId, room: roomName }, 'could not remove the participant of a gone job');
        }
      }),
    );
  }

  /** Wraps the worker's load function so that the reaper follows the worker it is called with. */
  watching<W extends WatchedWorker>(
    loadFunc: (worker: W) => Promise<number>,
  ): (worker: W) => Promise<number> {
    return (worker) => {
      this.watch(worker);
      return loadFunc(worker);
    };
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

/** A {@link RemoveParticipant} over LiveKit's RoomService (a participant already gone counts as removed). */
export function livekitRemoveParticipant(livekit: {
  url: string;
  apiKey?: string;
  apiSecret?: string;
}): RemoveParticipant {
  const client = new RoomServiceClient(
    livekit.url.replace(/^ws(s?):/, 'http$1:'),
    livekit.apiKey,
    livekit.apiSecret,
    {
      requestTimeout: 5,
    },
  );
  return async (roomName, identity) => {
    try {
      await client.removeParticipant(roomName, identity);
      return true;
    } catch (err) {
      if (err instanceof TwirpError && (err.status === 404 || err.code === 'not_found')) return false;
      throw err;
    }
  };
}
