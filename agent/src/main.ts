import { fileURLToPath } from 'node:url';
import { cli, ServerOptions } from '@livekit/agents';
import { type AgentConfig, AgentConfigError, loadAgentConfig, shareWithJobProcesses } from './config.js';
import { startSharedRecognizer } from './transcription/shared-recognizer.js';

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

/**
 * The load at which livekit-server stops sending a worker jobs (its default `agents.target_load`). The worker
 * reports its load as the share of its AGENT_MAX_JOBS slots in use, scaled to this value, so it takes exactly
 * AGENT_MAX_JOBS interviews at a time whatever else runs on the machine (machine-wide CPU would also count
 * unrelated processes, and would refuse rooms on a busy small host).
 */
const TARGET_LOAD = 0.7;
const { maxJobs } = config.worker;

// One local speech recognizer per machine, shared by every job process (STT_ENGINE=local, the default).
const recognizer = await startSharedRecognizer(config.audio);
if (recognizer) shareWithJobProcesses({ STT_LOCAL_URL: recognizer.url });

/** The job-process entry beside this file: `agent.js` when running compiled, `agent.ts` from source (tsx). */
const jobEntry = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './agent.ts' : './agent.js', import.meta.url),
);

cli.runApp(
  new ServerOptions({
    agent: jobEntry,
    agentName: config.worker.agentName,
    wsURL: config.livekit.url,
    apiKey: config.livekit.apiKey,
    apiSecret: config.livekit.apiSecret,
    host: '127.0.0.1',
    port: config.worker.healthPort,
    numIdleProcesses: 1,
    loadFunc: async (worker) => (Math.min(worker.activeJobs.length, maxJobs) / maxJobs) * TARGET_LOAD,
    loadThreshold: TARGET_LOAD,
  }),
);
