import { appendFileSync, readFileSync } from 'node:fs';
import { defineAgent, type JobContext } from '@livekit/agents';

/**
 * An agent for the room host tests: it joins no room; its prewarm, entry and shutdown write one JSON line each to
 * `ROOM_HOST_TEST_LOG` (job id, pid; the prewarm also the host's Node options and which `LD_PRELOAD` libraries its
 * process has mapped), and a job whose metadata is `crash` fails in its entry.
 */
function note(event: Record<string, unknown>): void {
  const file = process.env.ROOM_HOST_TEST_LOG;
  if (file) appendFileSync(file, `${JSON.stringify({ ...event, pid: process.pid })}\n`);
}

/** The `LD_PRELOAD` libraries this process has mapped (read from `/proc/self/maps`). */
function preloaded(): string[] {
  const maps = readFileSync('/proc/self/maps', 'utf8');
  return (process.env.LD_PRELOAD ?? '').split(':').filter((lib) => lib && maps.includes(lib));
}

export default defineAgent({
  prewarm: () => note({ event: 'prewarm', execArgv: process.execArgv, preloaded: preloaded() }),
  entry: async (ctx: JobContext) => {
    note({ event: 'entry', jobId: ctx.job.id });
    ctx.addShutdownCallback(async () => note({ event: 'shutdown', jobId: ctx.job.id }));
    if (ctx.job.metadata === 'crash') throw new Error('entry failed on purpose');
  },
});
