import { fileURLToPath } from 'node:url';
import { cli, ServerOptions } from '@livekit/agents';
import { loadAgentConfig } from './config.js';
import { startSharedRecognizer } from './transcription/shared-recognizer.js';

/**
 * Agent worker entry: `tsx src/main.ts start` (production) or `dev`. Registers with the LiveKit
 * server under AGENT_NAME for explicit dispatch; the token server's tokens dispatch it to every
 * interview room. The health server binds to 127.0.0.1 only.
 */
const config = loadAgentConfig();

/**
 * The load at which livekit-server stops sending a worker jobs (its default `agents.target_load`). The worker
 * reports its load as the share of its AGENT_MAX_JOBS slots in use, scaled to this value, so it takes exactly
 * AGENT_MAX_JOBS interviews at a time whatever else runs on the machine (machine-wide CPU would also count
 * unrelated processes, and would refuse rooms on a busy small host).
 */
const TARGET_LOAD = 0.7;

// One local speech recognizer per machine, shared by every job process (STT_ENGINE=local, the default).
await startSharedRecognizer();

cli.runApp(
  new ServerOptions({
    agent: fileURLToPath(new URL('./agent.ts', import.meta.url)),
    agentName: config.AGENT_NAME,
    wsURL: config.LIVEKIT_URL,
    apiKey: config.LIVEKIT_API_KEY,
    apiSecret: config.LIVEKIT_API_SECRET,
    host: '127.0.0.1',
    port: config.AGENT_HEALTH_PORT,
    numIdleProcesses: 1,
    loadFunc: async (worker) =>
      (Math.min(worker.activeJobs.length, config.AGENT_MAX_JOBS) / config.AGENT_MAX_JOBS) * TARGET_LOAD,
    loadThreshold: TARGET_LOAD,
  }),
);
