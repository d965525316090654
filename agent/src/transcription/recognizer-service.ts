import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { logger } from '../log.js';
import { printed, SupervisedProcess, spawnService } from '../process/supervised-process.js';
import { STT_FETCH_COMMAND, sttModelPath, sttPython } from './stt-models.js';

/** Path of the recognizer server (OpenAI transcription API over faster-whisper or PocketSphinx). */
export const STT_SERVER = join(import.meta.dirname, 'stt_server.py');

/** Options of {@link RecognizerService}. */
export interface RecognizerServiceOptions {
  backend: 'whisper' | 'pocketsphinx';
  /** Manifest name of the Whisper model (`whisper-base`, `whisper-tiny.en`). */
  model: string;
  /**
   * Manifest name of a faster Whisper model for when the recognizer falls behind: a decode that
   * starts while clearing what waits with `model` would take longer than `fallbackAfterMs` uses it.
   * Unset: `model` decodes everything, however late.
   */
  fallbackModel?: string;
  /** See `fallbackModel`. */
  fallbackAfterMs: number;
  /** Interpreter with the pinned packages; defaults to the venv `npm run models:fetch` installs. */
  python?: string;
  /** Directory of the Whisper models and the venv; default: `models/cache`. */
  modelsDir?: string;
  /** Loopback port; 0 picks a free one (kept across restarts). */
  port: number;
  /** Decodes at once, and CPU threads per decode. */
  workers: number;
  threads: number;
  /** Requests waiting at most; past it the server answers 503 `queue_full`. */
  queue: number;
  /** Default deadline of a request (its time limit). */
  deadlineMs: number;
  /** Encoder window: `fit` (the segment's length) or `full` (Whisper's 30 s). */
  window: 'fit' | 'full';
  /** Time allowed to load the model and answer. */
  readyTimeoutMs: number;
  /** Extra server arguments (thresholds, beam size). */
  extraArgs: string[];
}

export const defaultRecognizerServiceOptions: RecognizerServiceOptions = {
  backend: 'whisper',
  model: 'whisper-base',
  fallbackAfterMs: 2000,
  port: 0,
  workers: 1,
  threads: 1,
  queue: 16,
  deadlineMs: 20_000,
  window: 'fit',
  readyTimeoutMs: 60_000,
  extraArgs: [],
};

/** What the recognizer reports on `GET /stats`. */
export interface RecognizerStats {
  model: string;
  queueDepth: number;
  maxQueue: number;
  maxQueueDepthSeen: number;
  inFlight: number;
  workers: number;
  /** `rejected`: queue full (503 `queue_full`); `lowPriorityRefused`: interim-only requests refused while busy. */
  requests: { ok: number; rejected: number; lowPriorityRefused: number; expired: number; failed: number };
  /** Low-priority (interim-only) decodes served (counted in `requests.ok` too), their audio and CPU time. */
  lowPriority: { ok: number; audioSeconds: number; cpuSeconds: number };
  /** The fallback model's decodes (counted in `requests.ok` too); null without one. */
  fallback: {
    model: string;
    afterMs: number;
    ok: number;
    audioSeconds: number;
    cpuSeconds: number;
  } | null;
  audioSeconds: number;
  decodeSeconds: number;
  cpuSeconds: number;
  rssBytes: number;
  peakRssBytes: number;
}

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  await new Promise((closed) => s.close(closed));
  return port;
}

/**
 * The machine's local recognizer: one `stt_server.py` process on loopback, started once and
 * restarted (same port, backoff 0.5 s doubling to 10 s) whenever it dies (any exit but a clean
 * one), so requests in flight fail and are retried by their transcriber while the VAD and the
 * other analysers go on.
 * `baseURL` (`http://127.0.0.1:PORT/v1`) is known before the model has loaded.
 */
export class RecognizerService extends SupervisedProcess {
  readonly options: RecognizerServiceOptions;
  #port = 0;
  #fallbackMissing = false;
  #log = logger('stt-recognizer');

  constructor(opts: Partial<RecognizerServiceOptions> = {}) {
    const o = { ...defaultRecognizerServiceOptions, ...opts };
    super({ name: 'speech recognizer', component: 'stt-recognizer', readyTimeoutMs: o.readyTimeoutMs });
    this.options = o;
  }

  /** `http://127.0.0.1:PORT/v1` once `start` has chosen the port. */
  get baseURL(): string {
    return `http://127.0.0.1:${this.#port}/v1`;
  }

  /** Chooses the port (before the server runs, so others can be told where it will be); the base URL. */
  async reservePort(): Promise<string> {
    this.#port ||= this.options.port || (await freePort());
    return this.baseURL;
  }

  /** Chooses the port (on the first start) and launches the server. */
  protected async spawnChild(): Promise<ChildProcess> {
    await this.reservePort();
    const o = this.options;
    const python = o.python ?? sttPython(o.modelsDir);
    if (!o.python && !existsSync(python))
      throw new Error(
        `the speech recognizer's Python venv is missing (${python}); run \`${STT_FETCH_COMMAND}\``,
      );
    const args = [STT_SERVER, '--backend', o.backend, '--host', '127.0.0.1', '--port', String(this.#port)];
    if (o.backend === 'whisper') args.push('--model-dir', sttModelPath(o.model, o.modelsDir));
    const fallback = this.#fallbackDir();
    if (fallback) args.push('--fallback-model-dir', fallback);
    args.push('--fallback-after-ms', String(o.fallbackAfterMs));
    args.push('--workers', String(o.workers), '--threads', String(o.threads), '--queue', String(o.queue));
    args.push('--deadline-ms', String(o.deadlineMs), '--window', o.window, '--quiet', ...o.extraArgs);
    // The server sets HF_HUB_OFFLINE and OMP_NUM_THREADS (from --threads) itself, before its imports. In its own
    // process group, it exits when this process dies (its stdin closes).
    return spawnService(python, [...args, '--exit-on-stdin-eof']);
  }

  /**
   * The fallback model's directory, or undefined when there is none: a fallback model that is not
   * fetched is logged and left out (the main model decodes everything), not a reason to stop.
   */
  #fallbackDir(): string | undefined {
    const o = this.options;
    if (o.backend !== 'whisper' || !o.fallbackModel || o.fallbackModel === o.model) return undefined;
    try {
      return sttModelPath(o.fallbackModel, o.modelsDir);
    } catch (err) {
      if (!this.#fallbackMissing)
        this.#log.warn(
          { err },
          'the fallback speech model is not available; the main model decodes everything',
        );
      this.#fallbackMissing = true;
      return undefined;
    }
  }

  /** Loaded and listening: it prints `listening on http://HOST:PORT`. */
  protected isReady(child: ChildProcess): Promise<unknown> {
    return printed(child, /listening on http:\/\//);
  }

  protected override describe(): Record<string, unknown> {
    // the fallback model as started: left out when it was not fetched
    const fallbackModel = this.#fallbackMissing ? undefined : this.options.fallbackModel;
    return { url: this.baseURL, model: this.options.model, fallbackModel };
  }

  /** The server's queue depth, decodes, memory (`GET /stats`). */
  async stats(signal = AbortSignal.timeout(2000)): Promise<RecognizerStats> {
    const res = await fetch(`http://127.0.0.1:${this.#port}/stats`, { signal });
    if (!res.ok) throw new Error(`recognizer stats: HTTP ${res.status}`);
    return (await res.json()) as RecognizerStats;
  }
}
