import { fork } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SupervisedProcess } from '../process/supervised-process.js';
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
  #process: SupervisedProcess;

  constructor(opts: Partial<InferenceServiceOptions> = {}) {
    const o = { ...defaultInferenceServiceOptions, ...opts };
    this.options = o;
    const args = ['--socket', o.socket, '--models-dir', o.modelsDir, '--threads', String(o.intraOpThreads)];
    args.push('--queue', String(o.maxQueue), '--deadline-ms', String(o.deadlineMs));
    this.#process = new SupervisedProcess({
      name: 'inference service',
      component: 'vision-inference',
      spawn: () =>
        fork(ENTRY, args, {
          cwd: PACKAGE_DIR,
          execArgv: ENTRY.endsWith('.ts') ? ['--import', 'tsx'] : [],
          stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
        }),
      ready: (child) => once(child, 'message'), // `{ listening }` (service-main.ts)
      readyTimeoutMs: o.readyTimeoutMs,
      restartDelayMs: 200,
      maxRestartDelayMs: 5000,
      describe: () => ({ socket: o.socket }),
      cleanup: () => rmSync(o.socket, { force: true }),
    });
  }

  /** The socket job processes connect to (known before the service runs). */
  get socket(): string {
    return this.options.socket;
  }

  /** The service's process id (changes on restart). */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** How often the service was restarted after dying. */
  get restarts(): number {
    return this.#process.restarts;
  }

  /** Launches the service; resolves once it listens. */
  start(): Promise<void> {
    return this.#process.start();
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

  /** Stops the service for good (and removes its socket). */
  stop(): Promise<void> {
    return this.#process.stop();
  }
}
