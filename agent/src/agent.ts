import { AutoSubscribe, defineAgent, type JobContext, type JobProcess } from '@livekit/agents';
import { type Composition, composeInterview } from './compose.js';
import { type AgentConfig, loadAgentConfig } from './config.js';
import { useSharedInference } from './inference/shared-inference.js';
import { logger } from './log.js';
import { JobMetrics } from './metrics/job-metrics.js';
import { AnalysisGapExtension } from './recovery/gap-extension.js';
import { dispatchMetadata, SessionResume } from './recovery/resume.js';
import { InterviewSession } from './session/interview-session.js';
import { openRecorder } from './session/recorder.js';
import { AnalysisLag } from './worker/analysis-lag.js';

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

/** Rooms this process runs now (a room host runs several; the framework's own job process one). */
let roomsInProcess = 0;

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
    // the worker's model service, when it started one
    proc.userData.composition = composeInterview(config, useSharedInference(config.vision.inference));
    // from fork to ready for a job: what a warm process saves a room
    logger('job').info({ startMs: Math.round(process.uptime() * 1000) }, 'job process ready');
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
    // A session that already has data (its previous job stopped) is resumed: restored state, one gap signal.
    const resumed = recorder.database
      ? await new SessionResume(recorder.database).load(recorder.sessionId, Date.now()).catch((err) => {
          log.error({ err }, 'could not read the stored session; starting without its earlier state');
          return undefined;
        })
      : undefined;
    // how far behind real time the analysis runs: pushed with the metrics, read by the worker's admission
    const lag = new AnalysisLag();
    roomsInProcess += 1;
    ctx.addShutdownCallback(async () => {
      lag.close();
      roomsInProcess -= 1;
    });
    const metrics = new JobMetrics({
      room: roomName,
      sessionId: recorder.sessionId,
      jobId: ctx.job.id,
      url: config.metrics.url,
      pushMs: config.metrics.pushMs,
      analysisLag: () => lag.sustainedMs(),
      processRooms: () => roomsInProcess,
    });
    const session = new InterviewSession({
      sessionId: recorder.sessionId,
      room: ctx.room,
      analysers: lag.wrapAll(composition.analysers),
      accommodate: (a) => lag.wrapAll(composition.accommodate(a)),
      extensions: [
        ...composition.extensions,
        () => metrics,
        ...(resumed ? [() => new AnalysisGapExtension(resumed)] : []),
      ],
      probe: metrics,
      ...(resumed ? { restore: { optOutGroups: resumed.optOutGroups } } : {}),
      recorder,
      statsIntervalMs: config.statsIntervalMs,
      videoDimensions: config.vision.videoDimensions,
      turns: { longPauseSeconds: config.audio.longPauseSeconds },
      vadMaxBacklogMs: config.audio.vadMaxBacklogMs,
      inbox: config.inbox,
    });
    ctx.addShutdownCallback(() => session.close());
    await session.start();
    log.info(
      {
        room: roomName,
        sessionId: recorder.sessionId,
        resumed: resumed !== undefined,
        redispatch: dispatchMetadata(ctx.job.metadata)?.attempt,
      },
      'interview session started',
    );
  },
});
