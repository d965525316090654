import { startAnthropicStandIn } from './server.js';

/**
 * Runs the stand-in as its own process for end-to-end tests and benchmarks: prints `ANTHROPIC_STAND_IN <url>`.
 * STAND_IN_FIRST_TOKEN_MS sets the fixed latency before the first token.
 */
const standIn = await startAnthropicStandIn({
  firstTokenDelayMs: Number(process.env.STAND_IN_FIRST_TOKEN_MS ?? 50),
});
console.log(`ANTHROPIC_STAND_IN ${standIn.baseURL}`);
process.on('SIGTERM', () => void standIn.close().then(() => process.exit(0)));
