import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { logger } from '../log.js';
import { DEFAULT_MODELS_DIR } from '../vision/models.js';
import { defaultInferenceServerOptions, type InferenceStats } from './server.js';

/** Options of {@link InferenceService}. */
export interface InferenceServiceOptions {
  /** Unix socket path (kept across restarts). */
  socket: string;
  /** Directory of the verified ONNX models. */
  modelsDir: string;
  /** onnxruntime threads inside one operator, per session. */
  intraOpThreads: number;
  /** Requests waiting at most in the service. */
  maxQueue: number;
  /** Deadline of a request that names none, ms. */
  deadlineMs: number;
  /** Time allowed for the process to start listening. */
  readyTimeoutMs: number;
}

export const defaultInferenceServiceOptions: InferenceServiceOptions = {
  socket: join(tmpdir(), `interview-helper-inference-${process.pid}.sock`),
  modelsDir: DEFAULT_MODELS_DIR,
  intraOpThreads: defaultInferenceServerOptions.intraOpThreads,
  maxQueue: defaultInferenceServerOptions.maxQueue,
  deadlineMs: defaultInferenceServerOptions.deadlineMs,
  readyTimeoutMs: 30_000,
};

/** The service entry beside this file (TypeScript under tsx and vitest, JavaScript once compiled). */
const ENTRY = fileURLToPath(
  new URL(`./service-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);
const PACKAGE_DIR = resolve(import.meta.dirname, '../..');

/**
 * The machine's inference service: one child process holding one onnxruntime session per vision
 * model (see {@link InferenceServer}), listening on a unix socket that every job process of the
 * worker connects to. Restarted on the same socket (backoff 0.2 s doubling to 5 s) whenever it
 * dies (any exit but a clean one after SIGTERM); requests in flight then fail and their frames are
 * skipped by the analysers.
 */
export class InferenceService {
  readonly options: InferenceServiceOptions;
  #child?: ChildProcess;
  #stopped = false;
  #restarts = 0;
  #ready?: Promise<void>;
  #exitHook?: () => void;
  #log = logger('vision-inference');

  constructor(opts: Partial<InferenceServiceOptions> = {}) {
    this.options = { ...defaultInferenceServiceOptions, ...opts };
  }

  /** The socket job processes connect to (known before the service runs). */
  get socket(): string {
    return this.options.socket;
  }

  /** The service's process id (changes on restart). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How often the service was restarted after dying. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Launches the service; resolves once it listens. */
  start(): Promise<void> {
    this.#ready ??= this.#launch();
    return this.#ready;
  }

  async #launch(): Promise<void> {
    const o = this.options;
    const args = ['--socket', o.socket, '--models-dir', o.modelsDir, '--threads', String(o.intraOpThreads)];
    args.push('--queue', String(o.maxQueue), '--deadline-ms', String(o.deadlineMs));
    const child = fork(ENTRY, args, {
      cwd: PACKAGE_DIR,
      execArgv: ENTRY.endsWith('.ts') ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.#child = child;
    if (!this.#exitHook) {
      this.#exitHook = () => {
        this.#child?.kill('SIGKILL'); // never outlives this process
        rmSync(this.options.socket, { force: true });
      };
      process.once('exit', this.#exitHook);
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`not listening after ${o.readyTimeoutMs} ms`)),
        o.readyTimeoutMs,
      );
      const fail = (err: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`inference service did not start: ${err.message}; ${stderr.trim().slice(-600)}`));
      };
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('error', fail);
      child.once('exit', (code, sig) => fail(new Error(`exited (code ${code}, signal ${sig})`)));
    });
    child.removeAllListeners('exit');
    child.once('exit', (code, signal) => {
      if (this.#stopped || this.#child !== child) return;
      if (code === 0) {
        // asked to stop (SIGTERM, e.g. to the whole process group as the worker shuts down): not a crash
        this.#log.info({ pid: child.pid }, 'inference service stopped');
        return;
      }
      this.#log.warn(
        { code, signal, stderr: stderr.trim().slice(-300) },
        'inference service exited; restarting',
      );
      void this.#restart();
    });
    this.#log.info({ pid: child.pid, socket: o.socket }, 'inference service ready');
  }

  async #restart(): Promise<void> {
    for (let attempt = 0; !this.#stopped; attempt++) {
      await sleep(Math.min(5000, 200 * 2 ** attempt));
      if (this.#stopped) return;
      try {
        await this.#launch();
        this.#restarts++;
        return;
      } catch (err) {
        this.#log.error({ err, attempt }, 'inference service restart failed');
      }
    }
  }

  /** Queue depth, counters, CPU and memory of the service (`GET /stats`). */
  stats(timeoutMs = 2000): Promise<InferenceStats> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.options.socket, path: '/stats', timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => {
          try {
            if (res.statusCode !== 200) throw new Error(`inference stats: HTTP ${res.statusCode}`);
            resolve(JSON.parse(body) as InferenceStats);
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('inference stats: timed out')));
      req.on('error', reject);
      req.end();
    });
  }

  /** Stops the service for good. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#exitHook) process.off('exit', this.#exitHook);
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.options.socket, { force: true });
  }
}
