import { appendFileSync } from 'node:fs';
import { defineAgent, type JobContext } from '@livekit/agents';

/**
 * An agent for the room host tests: it joins no room; its prewarm, entry and shutdown write one JSON line each to
 * `ROOM_HOST_TEST_LOG` (job id, pid; the prewarm also the host's Node options), and a job whose metadata is `crash`
 * fails in its entry.
 */
function note(event: Record<string, unknown>): void {
  const file = process.env.ROOM_HOST_TEST_LOG;
  if (file) appendFileSync(file, `${JSON.stringify({ ...event, pid: process.pid })}\n`);
}

export default defineAgent({
  prewarm: () => note({ event: 'prewarm', execArgv: process.execArgv }),
  entry: async (ctx: JobContext) => {
    note({ event: 'entry', jobId: ctx.job.id });
    ctx.addShutdownCallback(async () => note({ event: 'shutdown', jobId: ctx.job.id }));
    if (ctx.job.metadata === 'crash') throw new Error('entry failed on purpose');
  },
});
