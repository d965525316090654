import { z } from 'zod';

/**
 * The messages between the worker and a room host (a job process that runs several rooms), over the Node IPC
 * channel of the forked process. Each side validates what it receives with these schemas.
 */

/** The logger options a host gets when the worker's framework logger has none set. */
export const DEFAULT_HOST_LOGGER = { pretty: false, level: 'info' };

/** The framework's `RunningJobInfo` as it crosses the channel (its `job` is the protobuf's JSON form). */
export const runningJobSchema = z
  .object({
    job: z.object({ id: z.string().min(1) }).passthrough(),
    url: z.string(),
    token: z.string(),
    workerId: z.string(),
    acceptArguments: z.object({ identity: z.string() }).passthrough(),
  })
  .passthrough();

/** Worker → host. */
export const toHostSchema = z.discriminatedUnion('case', [
  /** Start the job (join its room and run the agent's entry). */
  z.object({ case: z.literal('start'), info: runningJobSchema }),
  /** End one job (the worker was told to terminate it, or drains). */
  z.object({ case: z.literal('stop'), jobId: z.string(), reason: z.string() }),
  /** End every job and exit. */
  z.object({ case: z.literal('exit'), reason: z.string() }),
  z.object({ case: z.literal('ping'), at: z.number() }),
]);
export type ToHost = z.infer<typeof toHostSchema>;

/** Host → worker. */
export const fromHostSchema = z.discriminatedUnion('case', [
  /** The agent's `prewarm` ran: the host takes rooms. */
  z.object({ case: z.literal('ready'), startMs: z.number() }),
  /** A job is over: its room left, its shutdown callbacks ran. */
  z.object({ case: z.literal('done'), jobId: z.string(), reason: z.string() }),
  z.object({ case: z.literal('pong'), at: z.number() }),
]);
export type FromHost = z.infer<typeof fromHostSchema>;
