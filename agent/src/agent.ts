import { AutoSubscribe, defineAgent, type JobContext, type JobProcess } from '@livekit/agents';
import { type Composition, composeInterview } from './compose.js';
import { type AgentConfig, loadAgentConfig } from './config.js';
import { logger } from './log.js';
import { InterviewSession } from './session/interview-session.js';
import { openRecorder } from './session/recorder.js';

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

/** What a job process keeps between its jobs: the configuration and what it composes. */
interface ProcessData {
  config: AgentConfig;
  composition: Composition;
}

/**
 * The composition root of a job process: the configuration is parsed once when the process starts
 * (`main.ts` has already checked it, so a bad value never reaches a job) and every interview of the
 * process runs the analysers and extensions composed from it.
 */
export default defineAgent<ProcessData>({
  prewarm: (proc: JobProcess<ProcessData>) => {
    const config = loadAgentConfig();
    proc.userData.config = config;
    proc.userData.composition = composeInterview(config);
  },
  entry: async (ctx: JobContext<ProcessData>) => {
    const { config, composition } = ctx.proc.userData;
    const log = logger('job');
    const roomName = ctx.job.room?.name ?? '';
    // Connect while the database opens: the candidate may already be waiting.
    const [recorder] = await Promise.all([
      openRecorder({
        databaseUrl: config.databaseUrl,
        roomName,
        sessionId: sessionIdFromMetadata(ctx.job.metadata),
        bufferRows: config.storage.bufferRows,
        spillDir: config.storage.spillDir,
        drainMs: config.storage.drainMs,
      }),
      ctx.connect(undefined, AutoSubscribe.SUBSCRIBE_NONE),
    ]);
    const session = new InterviewSession({
      sessionId: recorder.sessionId,
      room: ctx.room,
      analysers: composition.analysers,
      accommodate: composition.accommodate,
      extensions: composition.extensions,
      recorder,
      statsIntervalMs: config.statsIntervalMs,
      videoDimensions: config.vision.videoDimensions,
      turns: { longPauseSeconds: config.audio.longPauseSeconds },
    });
    ctx.addShutdownCallback(() => session.close());
    await session.start();
    log.info({ room: roomName, sessionId: recorder.sessionId }, 'interview session started');
  },
});
