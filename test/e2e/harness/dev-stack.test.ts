import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from './livekit.js';
import { repoRoot } from './processes.js';

/**
 * The orphan guarantee of scripts/dev.mjs, with tiny fake services: each one forks a grandchild (as the agent
 * framework forks job processes); "stubborn" ones and their grandchildren ignore SIGTERM. After the runner
 * stops, not one of those processes may be left.
 */
const FAKE_SERVICE = `
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
const [port, mode, pidFile] = process.argv.slice(2);
const ignore = mode === 'stubborn' ? 'trap "" TERM; ' : '';
const grandchild = spawn('sh', ['-c', ignore + 'exec sleep 300'], { stdio: 'ignore' });
if (mode === 'stubborn') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
writeFileSync(pidFile, JSON.stringify([process.pid, grandchild.pid]));
createServer((_, res) => res.end('OK')).listen(Number(port), '127.0.0.1', () => console.log('listening'));
if (mode === 'crash') setTimeout(() => process.exit(3), 1000);
`;

const RUNNER = `
import { httpReady, runStack } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'scripts/dev-stack.mjs')).href)};
const specs = JSON.parse(process.env.FAKE_STACK);
const stages = specs.map((stage) => stage.map((s) => ({
  name: s.name,
  cmd: process.execPath,
  args: [s.script, String(s.port), s.mode, s.pidFile],
  port: { host: '127.0.0.1', port: s.port },
  ready: httpReady('http://127.0.0.1:' + s.port + '/', 'OK'),
})));
process.exitCode = await runStack(stages, { graceMs: 500, readyTimeoutMs: 20000, onReady: () => console.log('STACK READY') });
`;

interface Spec {
  name: string;
  mode: 'plain' | 'stubborn' | 'crash';
  port: number;
  script: string;
  pidFile: string;
}

async function startRunner(modes: Spec['mode'][][], fixedPort?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ih-dev-stack-'));
  const script = join(dir, 'fake-service.mjs');
  writeFileSync(script, FAKE_SERVICE);
  const runner = join(dir, 'runner.mjs');
  writeFileSync(runner, RUNNER);
  let n = 0;
  const specs: Spec[][] = [];
  for (const stage of modes) {
    const specStage: Spec[] = [];
    for (const mode of stage) {
      n += 1;
      const port = fixedPort ?? (await freePort('tcp', '127.0.0.1'));
      specStage.push({ name: `svc${n}`, mode, port, script, pidFile: join(dir, `${n}.json`) });
    }
    specs.push(specStage);
  }
  const child = spawn(process.execPath, [runner], {
    env: { ...process.env, FAKE_STACK: JSON.stringify(specs), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, specs: specs.flat(), output: () => output, exited };
}

async function waitFor(condition: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

const pidsOf = (specs: Spec[]) =>
  specs.flatMap((s) => JSON.parse(readFileSync(s.pidFile, 'utf8')) as number[]);

describe('scripts/dev.mjs process handling', () => {
  it('on SIGINT stops every service and its forked children, SIGKILLing those that ignore SIGTERM', async () => {
    const run = await startRunner([['plain'], ['stubborn', 'plain']]);
    await waitFor(() => run.output().includes('STACK READY'), 30_000, 'the fake stack');
    const pids = pidsOf(run.specs);
    expect(pids).toHaveLength(6);
    expect(pids.every(alive)).toBe(true);
    expect(run.output()).toMatch(/svc1 \| listening/);

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(run.output()).toMatch(/svc2 did not stop within 500 ms: SIGKILL/);
  });

  it('when one service dies, stops the others and exits non-zero', async () => {
    const run = await startRunner([['stubborn'], ['crash', 'plain']]);
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/svc2 exited \(code 3\); stopping everything/);
    expect(pidsOf(run.specs).filter(alive)).toEqual([]);
  });

  it('refuses to start a service whose port is already taken', async () => {
    const port = await freePort('tcp', '127.0.0.1');
    const blocker = createServer().listen(port, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const run = await startRunner([['plain']], port);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`svc1: 127.0.0.1:${port} is already in use`);
      expect(existsSync(run.specs[0]?.pidFile ?? '')).toBe(false); // never started
    } finally {
      blocker.close();
    }
  });
});
