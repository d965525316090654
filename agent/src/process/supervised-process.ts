import { type ChildProcess, type ForkOptions, fork, type SpawnOptions, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../log.js';

/** Options of {@link SupervisedProcess}. */
export interface SupervisedProcessOptions {
  /** What the process is called in its log lines and errors (`inference service`). */
  name: string;
  /** Log component of those lines (`vision-inference`). */
  component: string;
  /** Time allowed to become ready, ms; past it the process is killed and the start fails. */
  readyTimeoutMs: number;
  /** Wait before restarting a process that died, ms; doubled after each failed attempt, up to the max. */
  restartDelayMs: number;
  maxRestartDelayMs: number;
  /** Time the process has to exit after SIGTERM on `stop` before it is killed (SIGKILL), ms. */
  killAfterMs: number;
}

export const defaultSupervisedProcessOptions = {
  readyTimeoutMs: 30_000,
  restartDelayMs: 500,
  maxRestartDelayMs: 10_000,
  killAfterMs: 3000,
} satisfies Partial<SupervisedProcessOptions>;

/**
 * Where a {@link SupervisedProcess} is (`stopped`: by `stop` or a clean exit, code 0, also before it was ready;
 * `failed`: its first start).
 */
export type SupervisedStatus = 'idle' | 'starting' | 'ready' | 'restarting' | 'stopped' | 'failed';

/**
 * A service in a child process, kept running: ready when {@link isReady} says so (killed after
 * `readyTimeoutMs` otherwise), restarted with a doubling back-off whenever it dies (any exit but a clean one),
 * stopped with SIGTERM then SIGKILL, and killed when this process exits, so it never outlives it. The end of
 * its stderr goes into the error of a failed start and the warning of a crash.
 *
 * Shutdown order: a service started with {@link spawnService} or {@link forkService} runs in a process group
 * of its own, so a signal to this process's group (`kill -- -PGID`, Ctrl-C in a terminal, `docker stop` of a
 * group's init) does not reach it: it goes on serving the jobs that drain after that signal, and is stopped
 * (SIGKILL) only at this process's `exit`, which the agents framework's CLI reaches once its drain and close
 * are done. If this process dies without an `exit` (SIGKILL, the OOM killer), the service sees its stdin or IPC
 * channel close and exits by itself.
 *
 * A clean exit (code 0) is the process saying it was asked to stop, and it is left stopped (logged as a stop):
 * the child exits 0 on SIGTERM (and SIGINT), so an operator's `kill` of the child alone stops it, also while it
 * starts or restarts. A death by a signal it does not handle (SIGKILL, the OOM killer, a crash) or a non-zero
 * code is restarted. The supervisor cannot tell who sent a SIGTERM, so the child's exit code decides.
 * A subclass adds the command line ({@link spawnChild}), the readiness probe and `stats`.
 */
export abstract class SupervisedProcess {
  #o: SupervisedProcessOptions;
  #child?: ChildProcess;
  #stopped = false;
  #restarts = 0;
  #status: SupervisedStatus = 'idle';
  #ready?: Promise<void>;
  // this process is exiting (after the framework's drain, or an error): the service goes with it
  #exitHook = () => {
    this.#child?.kill('SIGKILL');
    this.cleanup();
  };
  #log;

  constructor(
    opts: Partial<SupervisedProcessOptions> & Pick<SupervisedProcessOptions, 'name' | 'component'>,
  ) {
    this.#o = { ...defaultSupervisedProcessOptions, ...opts };
    this.#log = logger(this.#o.component);
  }

  /** Starts the process (on `start` and on each restart). May throw: that start or restart fails. */
  protected abstract spawnChild(): ChildProcess | Promise<ChildProcess>;

  /** Resolves once the process serves (an IPC message; a line on its stdout: see {@link printed}). */
  protected abstract isReady(child: ChildProcess): Promise<unknown>;

  /** Queue depth, memory and the like, asked of the running process. */
  abstract stats(): Promise<unknown>;

  /** Fields of the `ready` log line (where it listens). */
  protected describe(): Record<string, unknown> {
    return {};
  }

  /** Runs once the process is gone for good (`stop`, or this process exiting), e.g. to remove its socket. */
  protected cleanup(): void {}

  /** The process id (changes on restart). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How often the process was restarted after dying. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Where the process is (see {@link SupervisedStatus}). */
  get status(): SupervisedStatus {
    return this.#status;
  }

  /** Launches the process; resolves once it is ready (the same promise on every call). */
  start(): Promise<void> {
    if (this.#ready) return this.#ready;
    this.#status = 'starting';
    process.once('exit', this.#exitHook); // the process never outlives this one
    this.#ready = this.#launch();
    return this.#ready;
  }

  /**
   * Starts without waiting (a worker's shared service: its job processes wait or retry until it
   * serves). Once it serves, its `stats()` are logged every `statsEveryMs` under `statsField`; if it
   * does not start, `failure` (what that means for the jobs) is logged with the reason.
   */
  startInBackground(failure: string, statsField: string, statsEveryMs = 60_000): void {
    const logStats = () =>
      this.stats().then(
        (s) => this.#log.info({ [statsField]: s }, `${this.#o.name} stats`),
        () => {},
      );
    this.start().then(
      () => setInterval(logStats, statsEveryMs).unref(),
      (err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        if (this.#status === 'stopped')
          this.#log.info({ reason }, `${this.#o.name} stopped before it was ready`);
        else this.#log.error({ err: reason }, failure);
      },
    );
  }

  async #launch(): Promise<void> {
    const o = this.#o;
    const child = await this.spawnChild();
    this.#child = child;
    if (this.#stopped) child.kill('SIGKILL'); // stopped while it was being spawned: its start fails
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let state: 'starting' | 'up' | 'failed' = 'starting';
    let cleanExit = false; // exited with code 0 before it was ready: asked to stop
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (err: unknown) => {
          if (state !== 'starting') return;
          state = 'failed';
          reject(err);
        };
        timer = setTimeout(() => fail(new Error(`not ready after ${o.readyTimeoutMs} ms`)), o.readyTimeoutMs);
        child.on('error', fail); // once it is up, an error (a failed kill) changes nothing
        child.once('exit', (code, signal) => {
          if (state === 'up') return void this.#restart(child, code, signal, stderr.trim().slice(-300));
          cleanExit = code === 0;
          const exited = () => fail(new Error(`exited (code ${code}, signal ${signal})`));
          child.once('close', exited); // once its last words on stderr are read
          setTimeout(exited, 1000).unref();
        });
        this.isReady(child).then(() => {
          if (state !== 'starting' || child.exitCode !== null || child.signalCode !== null) return;
          state = 'up';
          resolve();
        }, fail);
      });
    } catch (err) {
      child.kill('SIGKILL');
      if (cleanExit) this.#status = 'stopped';
      else if (this.#status === 'starting') this.#status = 'failed';
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`${o.name} did not start: ${reason}; ${stderr.trim().slice(-600)}`);
    } finally {
      clearTimeout(timer);
    }
    if (!this.#stopped) this.#status = 'ready';
    this.#log.info({ pid: child.pid, ...this.describe() }, `${o.name} ready`);
  }

  async #restart(child: ChildProcess, code: number | null, signal: string | null, stderr: string) {
    const o = this.#o;
    if (this.#stopped || this.#child !== child) return;
    if (code === 0) {
      // asked to stop (SIGTERM from outside, e.g. an operator's `kill`): not a crash
      this.#status = 'stopped';
      return this.#log.info({ pid: child.pid, code, signal }, `${o.name} stopped`);
    }
    this.#log.warn({ code, signal, stderr }, `${o.name} exited; restarting`);
    this.#status = 'restarting';
    for (let attempt = 0; !this.#stopped; attempt++) {
      await sleep(Math.min(o.maxRestartDelayMs, o.restartDelayMs * 2 ** attempt));
      if (this.#stopped) return;
      try {
        await this.#launch();
        this.#restarts++;
        return;
      } catch (err) {
        if (this.#stopped) return;
        // a clean exit while it restarts: asked to stop, not a failed attempt
        if (this.status === 'stopped')
          return this.#log.info({ attempt }, `${o.name} stopped while restarting`);
        this.#log.error({ err, attempt }, `${o.name} restart failed`);
      }
    }
  }

  /** Stops the process for good: SIGTERM, SIGKILL after `killAfterMs`; resolves once it has exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#status = 'stopped';
    process.off('exit', this.#exitHook);
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#o.killAfterMs);
      await exited;
      clearTimeout(timer);
    }
    this.cleanup();
  }
}

/** Resolves once the process has printed `pattern` on its stdout (which must be piped). */
export function printed(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let out = '';
    const watch = (d: Buffer) => {
      out = (out + d.toString()).slice(-4000);
      if (!pattern.test(out)) return;
      child.stdout?.off('data', watch); // the stream keeps flowing: the rest of its output is dropped
      resolve();
    };
    child.stdout?.on('data', watch);
  });
}

/**
 * Spawns a service's process for a {@link SupervisedProcess}: in a process group of its own (`detached`), so a
 * signal to this process's group leaves it serving until its supervisor stops it, with stdout and stderr piped,
 * and with stdin a pipe this process holds open and never writes to. The child must exit (as on SIGTERM) when
 * its stdin reaches end-of-file: that happens when this process dies, however it dies (SIGKILL included), as the
 * kernel closes its end of the pipe. `stt_server.py --exit-on-stdin-eof` does.
 */
export function spawnService(
  command: string,
  args: readonly string[],
  options: Omit<SpawnOptions, 'detached' | 'stdio'> = {},
): ChildProcess {
  return spawn(command, args, { ...options, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
}

/**
 * Forks a node service's process for a {@link SupervisedProcess}: in a process group of its own (`detached`, see
 * {@link spawnService}), its stderr piped, its stdout this process's, and an IPC channel. The child must exit on
 * the channel's `disconnect`, which it sees when this process dies, however it dies (SIGKILL included).
 */
export function forkService(
  modulePath: string,
  args: readonly string[],
  options: Omit<ForkOptions, 'detached' | 'stdio'> = {},
): ChildProcess {
  return fork(modulePath, args, { ...options, detached: true, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
}
