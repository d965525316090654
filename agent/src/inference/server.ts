import { unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as ort from 'onnxruntime-node';
import { ModelError } from '../vision/models.js';
import { localOnnxSession, sessionRunner } from '../vision/onnx-sessions.js';
import {
  decodeOutputs,
  decodeTensors,
  encodeTensors,
  isWireType,
  OUTPUTS_HEADER,
  readBody,
  TENSORS_HEADER,
  type WireTensor,
} from './wire.js';

/** Options of {@link InferenceServer}. */
export interface InferenceServerOptions {
  /** Unix socket path the server listens on (a stale file there is replaced). */
  socket: string;
  /** Directory of the verified ONNX models. */
  modelsDir: string;
  /** onnxruntime threads inside one operator, per session (the whole machine's vision runs here). */
  intraOpThreads: number;
  /** Requests waiting at most; past it a request is answered 503 `queue_full` at once. */
  maxQueue: number;
  /** Deadline of a request that names none, ms from its arrival. */
  deadlineMs: number;
  /** Largest request body, bytes. */
  maxBodyBytes: number;
}

export const defaultInferenceServerOptions: Omit<InferenceServerOptions, 'socket' | 'modelsDir'> = {
  // one: the service runs one model at a time, and the job processes need the other core (decoding, crops)
  intraOpThreads: 1,
  maxQueue: 64,
  deadlineMs: 1000,
  maxBodyBytes: 16 * 1024 * 1024,
};

/** Request counters of the service. */
export interface InferenceCounts {
  ok: number;
  /** Refused at once: the queue was full. */
  rejected: number;
  /** Their deadline passed while they waited; never run. */
  expired: number;
  /** The client went away before its turn; never run. */
  abandoned: number;
  /** Malformed, unknown model, or the run threw. */
  failed: number;
}

/** What the service reports on `GET /stats`. */
export interface InferenceStats {
  pid: number;
  uptimeSeconds: number;
  intraOpThreads: number;
  queueDepth: number;
  maxQueue: number;
  maxQueueDepthSeen: number;
  requests: InferenceCounts;
  /** Per loaded model: runs and mean run time (ms, inside onnxruntime). */
  models: Record<string, { runs: number; meanRunMs: number }>;
  cpuSeconds: number;
  rssBytes: number;
  peakRssBytes: number;
}

interface Pending {
  model: string;
  feeds: Record<string, WireTensor>;
  /** The outputs to send back (all without it). */
  fetches?: string[];
  deadline: number;
  req: IncomingMessage;
  res: ServerResponse;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/**
 * The machine's vision models behind one HTTP server on a unix socket: one onnxruntime session per
 * model, loaded on first use, shared by every job process. Runs are one at a time (a session's run
 * holds this thread; its operators use {@link InferenceServerOptions.intraOpThreads} threads) in
 * arrival order from a bounded queue; a request whose deadline passed while it waited is answered
 * 504 without running.
 *
 * - `POST /run/<model>`: input tensors (see `wire.ts`), headers `x-deadline-ms` and `x-outputs` (optional) → output
 *   tensors (those named in `x-outputs`, else all), header `x-run-ms`; 503 `queue_full`, 504 `deadline`, 404 a `ModelError`, 400/500 `failed`.
 * - `GET /models/<model>`: loads the model → `{ inputs, outputs }`, or 404 with its `ModelError`.
 * - `GET /stats`: {@link InferenceStats}.
 */
export class InferenceServer {
  readonly options: InferenceServerOptions;
  #server?: Server;
  #queue: Pending[] = [];
  #busy = false;
  #maxSeen = 0;
  #started = performance.now();
  #counts: InferenceCounts = { ok: 0, rejected: 0, expired: 0, abandoned: 0, failed: 0 };
  #models = new Map<string, { runs: number; runMs: number }>();

  constructor(opts: Partial<InferenceServerOptions> & Pick<InferenceServerOptions, 'socket' | 'modelsDir'>) {
    this.options = { ...defaultInferenceServerOptions, ...opts };
  }

  /** Starts listening on the socket. */
  async listen(): Promise<void> {
    try {
      unlinkSync(this.options.socket); // left behind by a service that died
    } catch {}
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) json(res, 500, { code: 'failed', message: String(err) });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 60_000;
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.socket, () => resolve());
    });
  }

  /** Stops accepting requests and closes the socket. */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Queue depth, counters, per-model run times, CPU and memory of this process. */
  stats(): InferenceStats {
    const cpu = process.cpuUsage();
    return {
      pid: process.pid,
      uptimeSeconds: Math.round((performance.now() - this.#started) / 1000),
      intraOpThreads: this.options.intraOpThreads,
      queueDepth: this.#queue.length,
      maxQueue: this.options.maxQueue,
      maxQueueDepthSeen: this.#maxSeen,
      requests: { ...this.#counts },
      models: Object.fromEntries(
        [...this.#models].map(([name, m]) => [
          name,
          { runs: m.runs, meanRunMs: Number((m.runMs / Math.max(1, m.runs)).toFixed(3)) },
        ]),
      ),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssBytes: process.memoryUsage.rss(),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  }

  #session(model: string): Promise<ort.InferenceSession> {
    return localOnnxSession(model, {
      dir: this.options.modelsDir,
      intraOpThreads: this.options.intraOpThreads,
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://inference');
    const [, route, model = ''] = url.pathname.split('/');
    if (req.method === 'GET' && route === 'stats') return json(res, 200, this.stats());
    if (req.method === 'GET' && route === 'models' && model) {
      try {
        const s = await this.#session(model);
        return json(res, 200, { inputs: s.inputNames, outputs: s.outputNames });
      } catch (err) {
        return this.#modelError(res, err);
      }
    }
    if (req.method !== 'POST' || route !== 'run' || !model) return json(res, 404, { code: 'not_found' });
    const arrived = performance.now();
    const budget = Number(req.headers['x-deadline-ms']);
    const deadline = arrived + (budget > 0 ? budget : this.options.deadlineMs);
    let feeds: Record<string, WireTensor>;
    let fetches: string[] | undefined;
    try {
      fetches = decodeOutputs(req.headers[OUTPUTS_HEADER]);
      const header = req.headers[TENSORS_HEADER];
      feeds = decodeTensors(
        Array.isArray(header) ? header[0] : header,
        await readBody(req, this.options.maxBodyBytes),
      );
    } catch (err) {
      if (req.destroyed && !req.complete) {
        this.#counts.abandoned++; // the client gave up (its deadline) while sending
        return;
      }
      this.#counts.failed++;
      return json(res, 400, { code: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
    if (this.#queue.length >= this.options.maxQueue) {
      this.#counts.rejected++;
      return json(res, 503, { code: 'queue_full', message: `queue full (${this.options.maxQueue})` });
    }
    this.#queue.push({ model, feeds, ...(fetches ? { fetches } : {}), deadline, req, res });
    this.#maxSeen = Math.max(this.#maxSeen, this.#queue.length);
    this.#pump();
  }

  #modelError(res: ServerResponse, err: unknown): void {
    this.#counts.failed++;
    if (err instanceof ModelError) json(res, 404, { ...err.toJSON(), code: err.code });
    else json(res, 500, { code: 'failed', message: err instanceof Error ? err.message : String(err) });
  }

  /** Runs the next request unless one is running; the next one after it, after pending I/O. */
  #pump(): void {
    if (this.#busy) return;
    const next = this.#queue.shift();
    if (!next) return;
    this.#busy = true;
    this.#run(next).finally(() => {
      this.#busy = false;
      setImmediate(() => this.#pump());
    });
  }

  async #run(p: Pending): Promise<void> {
    if (p.res.destroyed || !p.res.socket || p.res.socket.destroyed) {
      this.#counts.abandoned++;
      return;
    }
    if (performance.now() > p.deadline) {
      this.#counts.expired++;
      return json(p.res, 504, { code: 'deadline', message: 'deadline passed in the queue' });
    }
    let session: ort.InferenceSession;
    try {
      session = await this.#session(p.model);
    } catch (err) {
      return this.#modelError(p.res, err);
    }
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(p.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const began = performance.now();
      const unknown = p.fetches?.filter((name) => !session.outputNames.includes(name)) ?? [];
      if (unknown.length) {
        this.#counts.failed++;
        return json(p.res, 400, {
          code: 'failed',
          message: `${p.model} has no output ${unknown.join(', ')}`,
        });
      }
      const out = await sessionRunner(session).run(feeds, p.fetches);
      const runMs = performance.now() - began;
      const stat = this.#models.get(p.model) ?? { runs: 0, runMs: 0 };
      stat.runs++;
      stat.runMs += runMs;
      this.#models.set(p.model, stat);
      const tensors: Record<string, WireTensor> = {};
      for (const [name, t] of Object.entries(out)) {
        if (!isWireType(t.type)) throw new Error(`output ${name} has type ${t.type}`);
        tensors[name] = { type: t.type, dims: [...t.dims], data: t.data as WireTensor['data'] };
      }
      const { header, chunks, length } = encodeTensors(tensors);
      this.#counts.ok++;
      p.res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': length,
        [TENSORS_HEADER]: header,
        'x-run-ms': runMs.toFixed(3),
      });
      for (const chunk of chunks) p.res.write(chunk);
      p.res.end();
    } catch (err) {
      this.#counts.failed++;
      json(p.res, 500, { code: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  }
}
