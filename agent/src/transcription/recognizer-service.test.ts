import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, ServiceParent } from '../process/testing.js';
import { RecognizerService } from './recognizer-service.js';
import { TEST_MODEL } from './testing.js';

/** The recognizer's process (the supervisor's child: its `exit` event gives code and signal). */
class WatchedRecognizer extends RecognizerService {
  child?: ChildProcess;

  protected override async spawnChild(): Promise<ChildProcess> {
    this.child = await super.spawnChild();
    return this.child;
  }
}

const services: RecognizerService[] = [];
function recognizer(): WatchedRecognizer {
  const modelsDir = process.env.STT_MODELS_DIR;
  const service = new WatchedRecognizer({ model: TEST_MODEL, ...(modelsDir ? { modelsDir } : {}) });
  services.push(service);
  return service;
}

/** The process has a handler for SIGTERM (its `SigCgt` mask in /proc). */
function handlesSigterm(pid: number): boolean {
  const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return mask !== undefined && (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n; // SIGTERM is signal 15
}

/** Polls `cond` every 10 ms until it holds (the test's time-out bounds the wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(10);
}

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

describe('RecognizerService (the real recognizer process)', () => {
  it('exits 0 on SIGTERM once it serves (an operator’s kill): stopped, not restarted', async () => {
    const service = recognizer();
    await service.start();
    const child = service.child as ChildProcess;
    const exited = once(child, 'exit');
    process.kill(child.pid as number, 'SIGTERM');
    expect(await exited).toEqual([0, null]);
    expect(service.status).toBe('stopped');
    expect(service.restarts).toBe(0);
    expect(service.child).toBe(child); // not launched again
  }, 90_000);

  it('exits 0 on SIGTERM while it loads the model: its start ends as stopped, not failed', async () => {
    const service = recognizer();
    const started = service.start().catch((e: unknown) => e);
    await until(() => service.child?.pid !== undefined);
    const child = service.child as ChildProcess;
    const pid = child.pid as number;
    await until(() => handlesSigterm(pid));
    // Held (SIGSTOP) while the signal is sent, so it arrives before the process can be ready.
    process.kill(pid, 'SIGSTOP');
    const exited = once(child, 'exit');
    process.kill(pid, 'SIGTERM');
    process.kill(pid, 'SIGCONT');
    expect(await exited).toEqual([0, null]);
    const err = await started;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^speech recognizer did not start: exited \(code 0, signal null\)/,
    );
    expect(service.status).toBe('stopped');
    expect(service.child).toBe(child);
  }, 90_000);
});

describe('RecognizerService and the stop of its worker', () => {
  const SERVICE = new URL('./recognizer-service.ts', import.meta.url).pathname;
  const parents: ServiceParent[] = [];
  const worker = () => {
    const modelsDir = process.env.STT_MODELS_DIR;
    const p = new ServiceParent(SERVICE, 'RecognizerService', {
      model: TEST_MODEL,
      ...(modelsDir ? { modelsDir } : {}),
    });
    parents.push(p);
    return p;
  };
  afterEach(() => {
    for (const p of parents.splice(0)) p.kill();
  });

  it('serves through a SIGTERM to the worker’s process group, and stops at the worker’s exit', async () => {
    const p = worker();
    const { pid, stats } = await p.drainThroughGroupSigterm();
    expect(stats).toMatchObject({ model: expect.any(String), requests: expect.any(Object) });
    await until(() => !alive(pid));
  }, 90_000);

  it('exits when the worker is killed (SIGKILL) while it serves: its stdin closes', async () => {
    const p = worker();
    const pid = await p.ready();
    p.signalGroup('SIGKILL');
    await p.exited;
    await until(() => !alive(pid));
  }, 90_000);

  it('exits when the worker is killed (SIGKILL) while it loads the model', async () => {
    const p = worker();
    const pid = await p.spawned();
    await until(() => handlesSigterm(pid)); // past its first lines: it watches its stdin from there on
    p.signalGroup('SIGKILL');
    await p.exited;
    await until(() => !alive(pid));
  }, 90_000);
});
