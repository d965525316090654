import { fileURLToPath } from 'node:url';
import { cli, ServerOptions } from '@livekit/agents';
import { loadAgentConfig } from './config.js';

/**
 * Agent worker entry: `tsx src/main.ts start` (production) or `dev`. Registers with the LiveKit
 * server under AGENT_NAME for explicit dispatch; the token server's tokens dispatch it to every
 * interview room. The health server binds to 127.0.0.1 only.
 */
const config = loadAgentConfig();

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
  }),
);
