import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in test/e2e/harness). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Directory for logs and captures of e2e runs: `$E2E_ARTIFACTS_DIR` or `<repo>/test-artifacts`. */
export function artifactsDir(): string {
  const dir = process.env.E2E_ARTIFACTS_DIR ?? join(repoRoot, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Options of {@link spawnService}. */
export interface ServiceOptions {
  /** Short name: log prefix and log file name (`test-artifacts/<name>.log`). */
  name: string;
  cmd: string;
  args?: string[];
  /** Extra environment, merged over `process.env` (a value of `undefined` removes the variable). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /**
   * Readiness: a RegExp matched against everything the service printed (stdout and stderr), or a probe polled
   * every `pollIntervalMs` until it resolves true. Without it the service counts as ready once spawned.
   */
  readyWhen?: RegExp | (() => Promise<boolean>);
  /** How long to wait for readiness before failing (default 60 s). */
  readyTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Grace period between SIGTERM and SIGKILL on stop (default 5 s). */
  killGraceMs?: number;
  /** Log file path (default `<artifacts>/<name>.log`). */
  logFile?: string;
}

const defaultOptions = {
  args: [] as string[],
  readyTimeoutMs: 60_000,
  pollIntervalMs: 200,
  killGraceMs: 5_000,
};

/** Exit status of a service. */
export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running child process that leads its own process group. */
export interface Service {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the group leader exits. */
  readonly exited: Promise<ServiceExit>;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /**
   * Stops the whole process group: SIGTERM, then SIGKILL after the grace period. Resolves when no process of
   * the group is left (the agents framework forks job and inference processes: they go too). Idempotent.
   */
  stop(): Promise<ServiceExit>;
}

/** True while a live (non-zombie) process of group `pgid` exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // zombies also answer kill(0): they are dead, just not yet reaped by whoever adopted them
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
    } catch {
      // exited while scanning
    }
  }
  return false;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // group already gone
  }
}

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/** Kills the group of `pid` (SIGTERM, then SIGKILL after `graceMs`) and waits until it is gone. */
export async function killProcessGroup(pid: number, graceMs = defaultOptions.killGraceMs): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  if (await waitGroupGone(pid, graceMs)) return;
  signalGroup(pid, 'SIGKILL');
  if (!(await waitGroupGone(pid, 5_000))) throw new Error(`process group ${pid} survived SIGKILL`);
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Spawns a long-lived service in its own process group (`detached: true`), tees its output into a log file and
 * waits until it is ready. Throws (after killing the group) when it exits or times out before being ready; the
 * error message holds the tail of its log.
 */
export async function spawnService(options: ServiceOptions): Promise<Service> {
  const opts = { ...defaultOptions, ...options };
  const logFile = opts.logFile ?? join(artifactsDir(), `${opts.name}.log`);
  mkdirSync(dirname(logFile), { recursive: true });
  const log: WriteStream = createWriteStream(logFile, { flags: 'w' });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(opts.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }

  const child: ChildProcess = spawn(opts.cmd, opts.args, {
    cwd: opts.cwd ?? repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let spawnError: Error | undefined;
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    if (output.length > 4_000_000) output = output.slice(-2_000_000);
    log.write(text);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  let exitStatus: ServiceExit | undefined;
  const exited = new Promise<ServiceExit>((resolveExit) => {
    child.once('error', (error) => {
      spawnError = error;
      exitStatus = { code: null, signal: null };
      resolveExit(exitStatus);
    });
    // 'exit', not 'close': forked grandchildren may keep the pipes open after the leader is gone
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      resolveExit(exitStatus);
    });
  });
  child.once('close', () => log.end());

  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    throw new Error(`${opts.name}: could not spawn ${opts.cmd}: ${spawnError?.message ?? 'unknown error'}`);
  }

  let stopping: Promise<ServiceExit> | undefined;
  const service: Service = {
    name: opts.name,
    pid,
    logFile,
    exited,
    output: () => output,
    stop: () => {
      stopping ??= (async () => {
        await killProcessGroup(pid, opts.killGraceMs);
        return exited;
      })();
      return stopping;
    },
  };

  const describeFailure = (what: string) =>
    new Error(`${opts.name} ${what} (log: ${logFile})\n--- last output ---\n${tail(output)}`);
  const deadline = Date.now() + opts.readyTimeoutMs;
  for (;;) {
    if (exitStatus) {
      await service.stop();
      const how = exitStatus.signal ? `signal ${exitStatus.signal}` : `code ${exitStatus.code}`;
      throw describeFailure(`exited with ${how} before it was ready`);
    }
    const readyWhen = opts.readyWhen;
    let ready = readyWhen === undefined;
    if (readyWhen instanceof RegExp) ready = readyWhen.test(output);
    else if (readyWhen) ready = await readyWhen().catch(() => false);
    if (ready) return service;
    if (Date.now() >= deadline) {
      await service.stop();
      throw describeFailure(`was not ready within ${opts.readyTimeoutMs} ms`);
    }
    await sleep(opts.pollIntervalMs);
  }
}
