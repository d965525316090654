import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../log.js';

/** Options of {@link SupervisedProcess}. */
export interface SupervisedProcessOptions {
  /** What the process is called in its log lines and errors (`inference service`). */
  name: string;
  /** Log component of those lines (`vision-inference`). */
  component: string;
  /**
   * Starts the process (on `start` and on each restart). Pipe its stderr to have the tail of it in
   * the errors and warnings. May throw: the start or restart then fails with that error.
   */
  spawn: () => ChildProcess;
  /** Resolves once the process serves (an IPC message, a line on its stdout: see {@link printed}). */
  ready: (child: ChildProcess) => Promise<unknown>;
  /** Time allowed for `ready`, ms; past it the process is killed and the start fails. */
  readyTimeoutMs: number;
  /** Wait before restarting a process that died, ms; doubled after each failed restart. */
  restartDelayMs: number;
  /** Longest wait between restart attempts, ms. */
  maxRestartDelayMs: number;
  /** Time the process has to exit after SIGTERM on `stop` before it is killed (SIGKILL), ms. */
  killAfterMs: number;
  /** Fields added to the `ready` log line (where it listens). */
  describe?: () => Record<string, unknown>;
  /** Runs once the process is gone for good (`stop`, or this process exiting), e.g. to remove its socket. */
  cleanup?: () => void;
}

export const defaultSupervisedProcessOptions = {
  readyTimeoutMs: 30_000,
  restartDelayMs: 500,
  maxRestartDelayMs: 10_000,
  killAfterMs: 3000,
} satisfies Partial<SupervisedProcessOptions>;

/**
 * Where a {@link SupervisedProcess} is: not started yet, starting, serving, waiting to restart or
 * restarting after it died, stopped (by `stop` or a clean exit), or its first start failed.
 */
export type SupervisedStatus = 'idle' | 'starting' | 'ready' | 'restarting' | 'stopped' | 'failed';

/** How much of the process's stderr is kept for errors and warnings. */
const STDERR_KEPT = 4000;

/**
 * One child process kept running for this process: started once, ready when its `ready` probe
 * says so (or killed after `readyTimeoutMs`), restarted with a doubling back-off whenever it dies
 * (any exit but a clean one, code 0, which is logged as a stop), stopped with SIGTERM then
 * SIGKILL, and killed when this process exits, so it never outlives it. The last 4 kB of its stderr
 * go into the error of a failed start and the warning of a crash.
 */
export class SupervisedProcess {
  readonly options: SupervisedProcessOptions;
  #child?: ChildProcess;
  #stopped = false;
  #restarts = 0;
  #status: SupervisedStatus = 'idle';
  #ready?: Promise<void>;
  #exitHook?: () => void;
  #log;

  constructor(
    opts: Partial<SupervisedProcessOptions> &
      Pick<SupervisedProcessOptions, 'name' | 'component' | 'spawn' | 'ready'>,
  ) {
    this.options = { ...defaultSupervisedProcessOptions, ...opts };
    this.#log = logger(this.options.component);
  }

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
    this.#ready ??= (() => {
      this.#status = 'starting';
      return this.#launch();
    })();
    return this.#ready;
  }

  async #launch(): Promise<void> {
    const o = this.options;
    const child = o.spawn();
    this.#child = child;
    if (!this.#exitHook) {
      this.#exitHook = () => {
        this.#child?.kill('SIGKILL'); // never outlives this process
        o.cleanup?.();
      };
      process.once('exit', this.#exitHook);
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-STDERR_KEPT);
    });
    let state: 'starting' | 'up' | 'failed' = 'starting';
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (err: unknown) => {
          if (state !== 'starting') return;
          state = 'failed';
          reject(err);
        };
        timer = setTimeout(() => fail(new Error(`not ready after ${o.readyTimeoutMs} ms`)), o.readyTimeoutMs);
        child.on('error', (err) => {
          if (state === 'up') this.#log.warn({ err, pid: child.pid }, `${o.name} process error`);
          else fail(err);
        });
        child.once('exit', (code, signal) => {
          if (state === 'up') return this.#exited(child, code, signal, stderr.trim().slice(-300));
          const exited = () => fail(new Error(`exited (code ${code}, signal ${signal})`));
          child.once('close', exited); // once its last words on stderr are read
          setTimeout(exited, 1000).unref();
        });
        o.ready(child).then(() => {
          if (state !== 'starting' || child.exitCode !== null || child.signalCode !== null) return;
          state = 'up';
          resolve();
        }, fail);
      });
    } catch (err) {
      child.kill('SIGKILL');
      if (this.#status === 'starting') this.#status = 'failed';
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`${o.name} did not start: ${reason}; ${stderr.trim().slice(-600)}`);
    } finally {
      clearTimeout(timer);
    }
    if (!this.#stopped) this.#status = 'ready';
    this.#log.info({ pid: child.pid, ...o.describe?.() }, `${o.name} ready`);
  }

  #exited(child: ChildProcess, code: number | null, signal: string | null, stderr: string): void {
    if (this.#stopped || this.#child !== child) return;
    if (code === 0) {
      this.#status = 'stopped';
      // asked to stop (SIGTERM, e.g. to the whole process group as the worker shuts down): not a crash
      this.#log.info({ pid: child.pid }, `${this.options.name} stopped`);
      return;
    }
    this.#log.warn({ code, signal, stderr }, `${this.options.name} exited; restarting`);
    this.#status = 'restarting';
    void this.#restart();
  }

  async #restart(): Promise<void> {
    const o = this.options;
    for (let attempt = 0; !this.#stopped; attempt++) {
      await sleep(Math.min(o.maxRestartDelayMs, o.restartDelayMs * 2 ** attempt));
      if (this.#stopped) return;
      try {
        await this.#launch();
        this.#restarts++;
        return;
      } catch (err) {
        if (!this.#stopped) this.#log.error({ err, attempt }, `${o.name} restart failed`);
      }
    }
  }

  /** Stops the process for good: SIGTERM, SIGKILL after `killAfterMs`; resolves once it has exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#status = 'stopped';
    if (this.#exitHook) process.off('exit', this.#exitHook);
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.killAfterMs);
      await exited;
      clearTimeout(timer);
    }
    this.options.cleanup?.();
  }
}

/** Resolves once the process has printed `pattern` on its stdout (which must be piped). */
export function printed(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let out = '';
    const watch = (d: Buffer) => {
      out = (out + d.toString()).slice(-STDERR_KEPT);
      if (!pattern.test(out)) return;
      child.stdout?.off('data', watch); // the stream keeps flowing: the rest of its output is dropped
      resolve();
    };
    child.stdout?.on('data', watch);
  });
}

/** A started service that answers with its stats (queue depth, memory). */
export interface ServiceWithStats {
  start(): Promise<void>;
  stats(): Promise<unknown>;
}

/** Options of {@link startInBackground}. */
export interface BackgroundStartOptions {
  /** Log component and name of the service, as in {@link SupervisedProcessOptions}. */
  component: string;
  name: string;
  /** Field of the stats in their log line. */
  statsField: string;
  /** What a failed start means for the jobs, logged with its reason. */
  failure: string;
  /** How often the stats are logged, ms. */
  statsEveryMs?: number;
}

/**
 * Starts a worker's shared service without waiting for it (its job processes wait or retry until it
 * serves); once it does, logs its stats every minute (`<name> stats`), or logs `failure` with the
 * reason it did not start.
 */
export function startInBackground(service: ServiceWithStats, o: BackgroundStartOptions): void {
  const log = logger(o.component);
  service.start().then(
    () => {
      const timer = setInterval(() => {
        service.stats().then(
          (s) => log.info({ [o.statsField]: s }, `${o.name} stats`),
          () => {},
        );
      }, o.statsEveryMs ?? 60_000);
      timer.unref();
    },
    (err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, o.failure),
  );
}
