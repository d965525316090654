import { fileURLToPath } from 'node:url';
import { cli, ServerOptions } from '@livekit/agents';
import { type AgentConfig, AgentConfigError, loadAgentConfig, shareWithJobProcesses } from './config.js';
import { startSharedInference, visionModels } from './inference/shared-inference.js';
import { startWorkerMetrics } from './metrics/worker.js';
import { JobReaper, livekitRemoveParticipant } from './recovery/job-reaper.js';
import { startSharedRecognizer } from './transcription/shared-recognizer.js';
import { skipFrameworkTurnDetector } from './worker/framework-turn-detector.js';
import { watchJobLaunches } from './worker/job-launches.js';
import { useRoomHosts } from './worker/room-hosts.js';
import { startWorkerLoad } from './worker/worker-load.js';

/**
 * Agent worker entry: `node --conditions=compiled dist/main.js start` (production, `npm start` after
 * `npm run build`), `tsx src/main.ts start` from source, or `dev`. Registers with the LiveKit
 * server under AGENT_NAME for explicit dispatch; the token server's tokens dispatch it to every
 * interview room. The health server binds to 127.0.0.1 only. The whole configuration is checked
 * here, before anything starts: a bad value stops the process with a message naming the variable.
 */
function configOrExit(): AgentConfig {
  try {
    return loadAgentConfig();
  } catch (err) {
    console.error(err instanceof AgentConfigError ? err.message : err);
    process.exit(1);
  }
}

const config = configOrExit();
// the framework's event-loop monitor, in this process and the job processes, reads its threshold from the environment
shareWithJobProcesses({ LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS: String(config.worker.loopBlockWarnMs) });

// One local speech recognizer per machine, shared by every job process (STT_ENGINE=local, the default).
const recognizer = await startSharedRecognizer(config.audio);
if (recognizer) shareWithJobProcesses({ STT_LOCAL_URL: recognizer.url });
// Prometheus /metrics and /api/health/processing on 127.0.0.1; every job process pushes its room's metrics here.
const metrics = await startWorkerMetrics(config.metrics, recognizer?.service);
shareWithJobProcesses({ AGENT_METRICS_PUSH_URL: metrics.pushUrl });

// Admission: load from the CPU of the worker's process tree, its rooms' analysis lag and its job slots; a job
// offered while at capacity is declined (livekit-server offers it to another worker); warm job processes. The lag
// comes with each job's metrics push (the one job→worker channel; pushes go on with AGENT_METRICS=off).
const load = startWorkerLoad(config.admission, config.worker.maxJobs, metrics.aggregator);

// A job process that dies leaves its room at once, so the token server re-dispatches the agent (recovery/).
const reaper = new JobReaper({ remove: livekitRemoveParticipant(config.livekit) });
// One vision inference service per machine, shared by every job process (VISION_INFERENCE=shared, the default).
const inference = startSharedInference(config.vision.inference, visionModels(config.vision));
if (inference) shareWithJobProcesses({ VISION_INFERENCE_SOCKET: inference.socket });

/** The job-process entry beside this file: `agent.js` when running compiled, `agent.ts` from source (tsx). */
const jobEntry = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './agent.ts' : './agent.js', import.meta.url),
);

// No idle framework inference process: the agent's turns come from its own turn model.
skipFrameworkTurnDetector();
// Several rooms to a job process (AGENT_ROOMS_PER_PROCESS): a room then costs a share of one runtime, WebRTC stack
// and framework instead of a whole process; `idleProcesses` started processes keep free slots.
if (config.worker.roomsPerProcess > 1)
  await useRoomHosts({
    roomsPerProcess: config.worker.roomsPerProcess,
    spareProcesses: config.admission.idleProcesses,
    semiSpaceMb: config.worker.semiSpaceMb,
    env: config.worker.hostEnv,
  });
// The worker answers a job offer before livekit-server assigns the job: the admission holds the slot until the job
// runs, and frees it when no launch (the assignment) follows within 10 s.
await load.admission.followLaunches(watchJobLaunches);
cli.runApp(
  new ServerOptions({
    agent: jobEntry,
    agentName: config.worker.agentName,
    wsURL: config.livekit.url,
    apiKey: config.livekit.apiKey,
    apiSecret: config.livekit.apiSecret,
    host: '127.0.0.1',
    port: config.worker.healthPort,
    jobMemoryWarnMB: config.worker.memoryWarnMb,
    jobMemoryLimitMB: config.worker.memoryLimitMb,
    ...load.serverOptions,
    loadFunc: reaper.watching(load.serverOptions.loadFunc),
  }),
);
