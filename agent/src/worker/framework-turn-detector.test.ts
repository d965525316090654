import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const agentRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Creates an agents-js worker (never started) in a fresh process, with or without the skip, and
 * prints the runners it registered: the framework forks its inference process when there is any.
 */
function runnersOfANewWorker(skip: boolean): string[] {
  const script = `
    import { AgentServer, InferenceRunner, ServerOptions, initializeLogger } from '@livekit/agents';
    import { skipFrameworkTurnDetector } from './src/worker/framework-turn-detector.ts';
    initializeLogger({ pretty: false, level: 'error' });
    const skipped = ${skip} ? skipFrameworkTurnDetector() : false;
    new AgentServer(new ServerOptions({ agent: '/dev/null', wsURL: 'ws://127.0.0.1:9', apiKey: 'k', apiSecret: 's' }));
    console.log(JSON.stringify({ skipped, runners: Object.keys(InferenceRunner.registeredRunners) }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: agentRoot,
    encoding: 'utf8',
  });
  const { skipped, runners } = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
  expect(skipped).toBe(skip);
  return runners;
}

describe('skipFrameworkTurnDetector', () => {
  it('a worker otherwise registers the local end-of-turn model, so it would fork an inference process', () => {
    expect(runnersOfANewWorker(false)).toEqual(['lk_eot_audio']);
  }, 30_000);

  it('leaves a new worker with no inference runner to start', () => {
    expect(runnersOfANewWorker(true)).toEqual([]);
  }, 30_000);
});
