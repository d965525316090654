import { AutoSubscribe, defineAgent, type JobContext } from '@livekit/agents';
import { defaultAnalysers, defaultExtensions } from './analysers/registry.js';
import { loadAgentConfig } from './config.js';
import { logger } from './log.js';
import { InterviewSession } from './session/interview-session.js';
import { openRecorder } from './session/recorder.js';
import { longPauseSecondsFromEnv } from './transcription/settings.js';

/** Reads the session id the token server put in the dispatch metadata. */
export function sessionIdFromMetadata(metadata: string | undefined): string | undefined {
  if (!metadata) return undefined;
  try {
    const parsed = JSON.parse(metadata) as { sessionId?: unknown };
    return typeof parsed.sessionId === 'string' && parsed.sessionId.length > 0 ? parsed.sessionId : undefined;
  } catch {
    return undefined;
  }
}

export default defineAgent({
  entry: async (ctx: JobContext) => {
    const config = loadAgentConfig();
    const log = logger('job');
    const roomName = ctx.job.room?.name ?? '';
    // Connect while the database opens: the candidate may already be waiting.
    const [recorder] = await Promise.all([
      openRecorder({
        databaseUrl: config.DATABASE_URL,
        roomName,
        sessionId: sessionIdFromMetadata(ctx.job.metadata),
      }),
      ctx.connect(undefined, AutoSubscribe.SUBSCRIBE_NONE),
    ]);
    const session = new InterviewSession({
      sessionId: recorder.sessionId,
      room: ctx.room,
      analysers: defaultAnalysers,
      extensions: defaultExtensions,
      recorder,
      statsIntervalMs: config.AGENT_STATS_INTERVAL_MS,
      turns: { longPauseSeconds: longPauseSecondsFromEnv() },
    });
    ctx.addShutdownCallback(() => session.close());
    await session.start();
    log.info({ room: roomName, sessionId: recorder.sessionId }, 'interview session started');
  },
});
