import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
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
  it('exits 0 on SIGTERM once it serves (as to the worker’s process group): stopped, not restarted', async () => {
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
