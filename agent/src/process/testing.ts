import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { printed, SupervisedProcess, spawnService } from './supervised-process.js';

/**
 * Test helpers for the shutdown order of supervised services, and (run as a script) a stand-in for the agent
 * worker: `node --import tsx testing.ts MODULE EXPORT OPTIONS_JSON` starts `new (import(MODULE)[EXPORT])(OPTIONS)`
 * (a {@link SupervisedProcess}) and handles SIGTERM as the agents framework's CLI does: it drains (here: until
 * its stdin says `drained`), then calls `process.exit(143)`. It prints `service-parent spawned {pid}` once the
 * service's process runs, `service-parent ready {pid}` once it serves, `service-parent draining` on SIGTERM, and
 * on a `stats N` line the service's answer and status (`service-parent stats-N {…}`).
 */

const PREFIX = 'service-parent ';
const THIS_FILE = fileURLToPath(import.meta.url);

/** The process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    return !/^Z|^X/.test(procStat(pid).state);
  } catch {
    return false;
  }
}

/** State and process group of `pid`, from `/proc/<pid>/stat` (throws once it is gone). */
export function procStat(pid: number): { state: string; pgrp: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [state = '?', , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, pgrp: Number(pgrp) };
}

/** Polls `cond` every 20 ms until it holds (the test's time-out bounds the wait). */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(20);
}

/**
 * A worker stand-in (this file run as a script) holding one supervised service, in a process group of its own
 * (so a test can signal that group as `kill -- -PGID` does, without reaching the test runner).
 */
export class ServiceParent {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #lines: string[] = [];
  #waiters = new Set<() => void>();

  /** Starts the stand-in: `exportName` of the module at `modulePath`, constructed with `options`. */
  constructor(modulePath: string, exportName: string, options: object) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', THIS_FILE, modulePath, exportName, JSON.stringify(options)],
      { cwd: resolve(import.meta.dirname, '../..'), detached: true, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    this.exited = new Promise((done) => this.child.once('exit', (code, signal) => done({ code, signal })));
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (!line.startsWith(PREFIX)) return; // its log lines
      this.#lines.push(line.slice(PREFIX.length));
      for (const w of this.#waiters) w();
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Resolves with the rest of the first line it printed that starts with `word` (from the start of its output). */
  async line(word: string): Promise<string> {
    for (;;) {
      const found = this.#lines.find((l) => l === word || l.startsWith(`${word} `));
      if (found !== undefined) return found.slice(word.length + 1);
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`the service parent exited before printing ${word}`);
      await new Promise<void>((wake) => {
        const w = () => {
          this.#waiters.delete(w);
          this.child.off('exit', w);
          wake();
        };
        this.#waiters.add(w);
        this.child.once('exit', w);
      });
    }
  }

  /** The service's pid once it serves. */
  async ready(): Promise<number> {
    return (JSON.parse(await this.line('ready')) as { pid: number }).pid;
  }

  /** The service's pid once its process is spawned (before it is ready). */
  async spawned(): Promise<number> {
    return (JSON.parse(await this.line('spawned')) as { pid: number }).pid;
  }

  /** Asks the parent for the service's `stats()` and status (the `n`th such question, from 1). */
  async stats(n: number): Promise<{ status: string; stats: unknown }> {
    this.child.stdin?.write(`stats ${n}\n`);
    return JSON.parse(await this.line(`stats-${n}`)) as { status: string; stats: unknown };
  }

  /** Ends its drain: it exits as the framework's CLI does after draining. */
  drained(): void {
    this.child.stdin?.write('drained\n');
  }

  /** Sends `signal` to its whole process group (as `kill -- -PGID`). */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.pid, signal);
  }

  /**
   * The drain as a worker's CLI runs it: the service (in a group of its own) is sent SIGTERM with the whole parent
   * group, still answers afterwards, and the parent then exits (143); resolves with its pid and that answer.
   */
  async drainThroughGroupSigterm(): Promise<{ pid: number; stats: unknown }> {
    const pid = await this.ready();
    expect(procStat(pid).pgrp).toBe(pid); // a group of its own
    this.signalGroup('SIGTERM');
    await this.line('draining');
    const { status, stats } = await this.stats(1);
    expect(status).toBe('ready');
    this.drained();
    expect(await this.exited).toEqual({ code: 143, signal: null });
    return { pid, stats };
  }

  /** Kills it (SIGKILL) if it still runs. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/**
 * A small supervised service for the tests: a node process started with {@link spawnService} that answers
 * `GET /` with its pid on a loopback port, exits 0 on SIGTERM and when its stdin ends (as the real services do).
 */
export class EchoService extends SupervisedProcess {
  #port = 0;

  constructor() {
    super({ name: 'echo service', component: 'process-test', readyTimeoutMs: 30_000, restartDelayMs: 10 });
  }

  protected spawnChild(): ChildProcess {
    const script = `
      process.on('SIGTERM', () => process.exit(0));
      process.stdin.on('end', () => process.exit(0)).resume();
      const server = require('node:http').createServer((_q, r) => r.end(JSON.stringify({ pid: process.pid })));
      server.listen(0, '127.0.0.1', () => console.log('ready ' + server.address().port));`;
    const child = spawnService(process.execPath, ['-e', script]);
    child.stdout?.on('data', (d: Buffer) => {
      this.#port = Number(/ready (\d+)/.exec(d.toString())?.[1] ?? this.#port);
    });
    return child;
  }

  protected isReady(child: ChildProcess): Promise<unknown> {
    return printed(child, /ready \d+/);
  }

  async stats(): Promise<{ pid: number }> {
    const res = await fetch(`http://127.0.0.1:${this.#port}/`, { signal: AbortSignal.timeout(10_000) });
    return (await res.json()) as { pid: number };
  }
}

/** Run as a script: the worker stand-in described at the top of this file. */
async function serviceParent([modulePath, exportName, options]: string[]): Promise<void> {
  const say = (line: string) => process.stdout.write(`${PREFIX}${line}\n`);
  // this file is still being evaluated (its top-level await): importing it again would wait for itself
  const mod: Record<string, unknown> =
    modulePath === THIS_FILE ? { EchoService } : await import(pathToFileURL(modulePath as string).href);
  const Service = mod[exportName as string] as new (o: unknown) => SupervisedProcess;
  const service = new Service(JSON.parse(options as string));
  let draining = false;
  // as cli.runApp: the first SIGTERM drains (the jobs finish), then the worker exits
  process.once('SIGTERM', () => {
    draining = true;
    say('draining');
  });
  const commands = createInterface({ input: process.stdin });
  commands.on('close', () => process.exit(1)); // the test is gone: so is this stand-in, with its service
  commands.on('line', (line) => {
    const [word, n] = line.split(' ');
    if (word === 'drained' && draining) process.exit(143);
    if (word === 'stats')
      service.stats().then(
        (stats) => say(`stats-${n} ${JSON.stringify({ status: service.status, stats })}`),
        (err: unknown) =>
          say(
            `stats-${n} ${JSON.stringify({ status: service.status, stats: String((err as Error).cause ?? err) })}`,
          ),
      );
  });
  const started = service.start();
  started.catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
  await until(() => service.pid !== undefined);
  say(`spawned ${JSON.stringify({ pid: service.pid })}`);
  await started;
  say(`ready ${JSON.stringify({ pid: service.pid })}`);
}

if (process.argv[1] === THIS_FILE) await serviceParent(process.argv.slice(2));
