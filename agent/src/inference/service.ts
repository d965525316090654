import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logger } from '../log.js';
import { forkService, SupervisedProcess } from '../process/supervised-process.js';
import { DEFAULT_MODELS_DIR } from '../vision/models.js';
import { defaultInferenceServerOptions, type InferenceServerOptions, type InferenceStats } from './server.js';
import { readBody } from './wire.js';

/**
 * Options of {@link InferenceService}: those of the {@link InferenceServer} it runs (its socket is kept across
 * restarts), and the time allowed for it to start listening (ms).
 */
export type InferenceServiceOptions = Omit<InferenceServerOptions, 'maxBodyBytes'> & {
  readyTimeoutMs: number;
  /** Models it loads as soon as it listens (and again after a restart); others on first use. */
  preload: string[];
};

export const defaultInferenceServiceOptions: InferenceServiceOptions = {
  socket: join(tmpdir(), `interview-helper-inference-${process.pid}.sock`),
  modelsDir: DEFAULT_MODELS_DIR,
  intraOpThreads: defaultInferenceServerOptions.intraOpThreads,
  maxQueue: defaultInferenceServerOptions.maxQueue,
  deadlineMs: defaultInferenceServerOptions.deadlineMs,
  readyTimeoutMs: 30_000,
  preload: [],
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
export class InferenceService extends SupervisedProcess {
  readonly options: InferenceServiceOptions;

  constructor(opts: Partial<InferenceServiceOptions> = {}) {
    const o = { ...defaultInferenceServiceOptions, ...opts };
    super({
      name: 'inference service',
      component: 'vision-inference',
      readyTimeoutMs: o.readyTimeoutMs,
      restartDelayMs: 200,
      maxRestartDelayMs: 5000,
    });
    this.options = o;
  }

  /** The socket job processes connect to (known before the service runs). */
  get socket(): string {
    return this.options.socket;
  }

  protected spawnChild(): ChildProcess {
    const o = this.options;
    const args = ['--socket', o.socket, '--models-dir', o.modelsDir, '--threads', String(o.intraOpThreads)];
    args.push('--queue', String(o.maxQueue), '--deadline-ms', String(o.deadlineMs));
    if (o.preload.length) args.push('--preload', o.preload.join(','));
    // in its own process group; it exits when this process dies (the IPC channel closes)
    const child = forkService(ENTRY, args, {
      cwd: PACKAGE_DIR,
      execArgv: ENTRY.endsWith('.ts') ? ['--import', 'tsx'] : [],
    });
    child.on(
      'message',
      (m: { preloaded?: { loadedMs: Record<string, number>; failed: Record<string, string> } }) => {
        if (!m?.preloaded) return;
        const { loadedMs, failed } = m.preloaded;
        const totalMs = Object.values(loadedMs).reduce((a, b) => a + b, 0);
        const log = logger('vision-inference');
        log.info({ servicePid: child.pid, loadedMs, totalMs }, 'inference service loaded its models');
        // a missing model is also reported, with its fix, by the job that asks for it
        if (Object.keys(failed).length)
          log.warn({ servicePid: child.pid, failed }, 'inference service could not load models');
      },
    );
    return child;
  }

  /** Listening: it says so over the IPC channel (`service-main.ts`). */
  protected isReady(child: ChildProcess): Promise<unknown> {
    return once(child, 'message');
  }

  protected override describe(): Record<string, unknown> {
    return { socket: this.options.socket };
  }

  protected override cleanup(): void {
    rmSync(this.options.socket, { force: true });
  }

  /** Queue depth, counters, CPU and memory of the service (`GET /stats`). */
  stats(timeoutMs = 2000): Promise<InferenceStats> {
    return new Promise((resolve, reject) => {
      const req = get({ socketPath: this.options.socket, path: '/stats', timeout: timeoutMs }, (res) => {
        const parse = (body: ArrayBuffer) => {
          if (res.statusCode !== 200) throw new Error(`inference stats: HTTP ${res.statusCode}`);
          resolve(JSON.parse(Buffer.from(body).toString('utf8')) as InferenceStats);
        };
        readBody(res, 1 << 20)
          .then(parse)
          .catch(reject);
      });
      req.on('timeout', () => req.destroy(new Error('inference stats: timed out'))).on('error', reject);
    });
  }
}
