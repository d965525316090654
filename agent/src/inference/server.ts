import { unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as ort from 'onnxruntime-node';
import { FaceDetector } from '../vision/face-detector.js';
import { FaceLandmarker } from '../vision/face-landmarks.js';
import { FacePipeline } from '../vision/face-pipeline.js';
import { IrisLandmarker } from '../vision/iris.js';
import { ModelError } from '../vision/models.js';
import { localOnnxSession, type OnnxSessionOptions, sessionRunner } from '../vision/onnx-sessions.js';
import { decodeFaceRequest, FACE_HEADER, FACE_PIPELINE, type FaceRequest } from './face-wire.js';
import { type Lane, type LaneWaits, TurnQueue } from './turn-queue.js';
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
  /** Per lane (face frames first, then model runs): turns taken and their wait in the queue. */
  waits: Record<Lane, LaneWaits>;
  requests: InferenceCounts;
  /** Models whose session is loaded (preloaded or asked for). */
  loaded: string[];
  /** Per loaded model: runs and mean run time (ms, inside onnxruntime). */
  models: Record<string, { runs: number; meanRunMs: number }>;
  cpuSeconds: number;
  rssBytes: number;
  peakRssBytes: number;
}

/** Face pipelines kept at most (one per set of stages and options asked for). */
const MAX_FACE_PIPELINES = 8;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/**
 * The machine's vision models behind one HTTP server on a unix socket: one onnxruntime session per
 * model, loaded on first use, shared by every job process. Runs are one at a time (a session's run
 * holds this thread; its operators use {@link InferenceServerOptions.intraOpThreads} threads) from a
 * bounded {@link TurnQueue}: face frames first, then model runs, each in arrival order; a request whose
 * deadline passed while it waited is answered 504 without running.
 *
 * - `POST /run/<model>`: input tensors (see `wire.ts`), headers `x-deadline-ms` and `x-outputs` (optional) → output
 *   tensors (those named in `x-outputs`, else all), header `x-run-ms`; 503 `queue_full`, 504 `deadline`, 404 a `ModelError`, 400/500 `failed`.
 * - `POST /face`: one RGB24 frame, headers `x-face` (see `face-wire.ts`) and `x-deadline-ms` → the
 *   {@link FacePipeline}'s observation as JSON, every stage run back to back in one turn of the queue (one request
 *   per analysed frame instead of one per model); the same errors.
 * - `GET /models/<model>`: loads the model → `{ inputs, outputs }`, or 404 with its `ModelError`.
 * - `GET /stats`: {@link InferenceStats}.
 */
export class InferenceServer {
  readonly options: InferenceServerOptions;
  #server?: Server;
  #queue: TurnQueue;
  #started = performance.now();
  #counts: InferenceCounts = { ok: 0, rejected: 0, expired: 0, abandoned: 0, failed: 0 };
  #models = new Map<string, { runs: number; runMs: number }>();
  #facePipelines = new Map<string, Promise<FacePipeline>>();
  #loaded = new Set<string>();

  constructor(opts: Partial<InferenceServerOptions> & Pick<InferenceServerOptions, 'socket' | 'modelsDir'>) {
    this.options = { ...defaultInferenceServerOptions, ...opts };
    this.#queue = new TurnQueue(this.options.maxQueue);
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
      queueDepth: this.#queue.depth,
      maxQueue: this.options.maxQueue,
      maxQueueDepthSeen: this.#queue.maxDepthSeen,
      waits: this.#queue.waits(),
      requests: { ...this.#counts },
      loaded: [...this.#loaded].sort(),
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

  /**
   * Loads `models` one after the other (requests meanwhile wait for a model still loading, as on first use), so that
   * the first frames of the first rooms do not wait for it. Resolves with each model's load time, or why it failed.
   */
  async preload(
    models: readonly string[],
  ): Promise<{ loadedMs: Record<string, number>; failed: Record<string, string> }> {
    const loadedMs: Record<string, number> = {};
    const failed: Record<string, string> = {};
    for (const model of models) {
      const began = performance.now();
      try {
        await this.#session(model);
        loadedMs[model] = Math.round(performance.now() - began);
      } catch (err) {
        failed[model] = err instanceof Error ? err.message : String(err);
      }
    }
    return { loadedMs, failed };
  }

  async #session(model: string): Promise<ort.InferenceSession> {
    const session = await localOnnxSession(model, {
      dir: this.options.modelsDir,
      intraOpThreads: this.options.intraOpThreads,
    });
    this.#loaded.add(model);
    return session;
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
    if (req.method === 'POST' && route === 'face' && !model) {
      return this.#enqueue('face', req, res, (body) => {
        const request = decodeFaceRequest(req.headers[FACE_HEADER]);
        const bytes = request.width * request.height * 3;
        if (body.byteLength !== bytes)
          throw new Error(
            `an RGB24 frame of ${request.width}×${request.height} is ${bytes} bytes, not ${body.byteLength}`,
          );
        return () => this.#face(request, new Uint8Array(body), res);
      });
    }
    if (req.method !== 'POST' || route !== 'run' || !model) return json(res, 404, { code: 'not_found' });
    return this.#enqueue('run', req, res, (body) => {
      const fetches = decodeOutputs(req.headers[OUTPUTS_HEADER]);
      const header = req.headers[TENSORS_HEADER];
      const feeds = decodeTensors(Array.isArray(header) ? header[0] : header, body);
      return () => this.#run(model, feeds, fetches, res);
    });
  }

  /**
   * Reads the request's body, checks it with `parse` (which returns the work to do in its turn; a throw answers
   * 400) and queues the work with the request's deadline (503 when the queue is full).
   */
  async #enqueue(
    lane: Lane,
    req: IncomingMessage,
    res: ServerResponse,
    parse: (body: ArrayBuffer) => () => Promise<void>,
  ): Promise<void> {
    const arrived = performance.now();
    const budget = Number(req.headers['x-deadline-ms']);
    const deadline = arrived + (budget > 0 ? budget : this.options.deadlineMs);
    let work: () => Promise<void>;
    try {
      work = parse(await readBody(req, this.options.maxBodyBytes));
    } catch (err) {
      if (req.destroyed && !req.complete) {
        this.#counts.abandoned++; // the client gave up (its deadline) while sending
        return;
      }
      this.#counts.failed++;
      return json(res, 400, { code: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
    if (!this.#queue.push({ lane, take: () => this.#turn(deadline, res, work) })) {
      this.#counts.rejected++;
      return json(res, 503, { code: 'queue_full', message: `queue full (${this.options.maxQueue})` });
    }
  }

  #modelError(res: ServerResponse, err: unknown): void {
    this.#counts.failed++;
    if (err instanceof ModelError) json(res, 404, { ...err.toJSON(), code: err.code });
    else json(res, 500, { code: 'failed', message: err instanceof Error ? err.message : String(err) });
  }

  /** The turn of a queued request: given up when its client left or its deadline passed, else its work. */
  async #turn(deadline: number, res: ServerResponse, work: () => Promise<void>): Promise<void> {
    if (res.destroyed || !res.socket || res.socket.destroyed) {
      this.#counts.abandoned++;
      return;
    }
    if (performance.now() > deadline) {
      this.#counts.expired++;
      return json(res, 504, { code: 'deadline', message: 'deadline passed in the queue' });
    }
    await work();
  }

  #ran(name: string, runMs: number): void {
    const stat = this.#models.get(name) ?? { runs: 0, runMs: 0 };
    stat.runs++;
    stat.runMs += runMs;
    this.#models.set(name, stat);
  }

  async #run(
    model: string,
    wire: Record<string, WireTensor>,
    fetches: string[] | undefined,
    res: ServerResponse,
  ): Promise<void> {
    let session: ort.InferenceSession;
    try {
      session = await this.#session(model);
    } catch (err) {
      return this.#modelError(res, err);
    }
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(wire)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const began = performance.now();
      const unknown = fetches?.filter((name) => !session.outputNames.includes(name)) ?? [];
      if (unknown.length) {
        this.#counts.failed++;
        return json(res, 400, {
          code: 'failed',
          message: `${model} has no output ${unknown.join(', ')}`,
        });
      }
      const out = await sessionRunner(session).run(feeds, fetches);
      const runMs = performance.now() - began;
      this.#ran(model, runMs);
      const tensors: Record<string, WireTensor> = {};
      for (const [name, t] of Object.entries(out)) {
        if (!isWireType(t.type)) throw new Error(`output ${name} has type ${t.type}`);
        tensors[name] = { type: t.type, dims: [...t.dims], data: t.data as WireTensor['data'] };
      }
      const { header, chunks, length } = encodeTensors(tensors);
      this.#counts.ok++;
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': length,
        [TENSORS_HEADER]: header,
        'x-run-ms': runMs.toFixed(3),
      });
      for (const chunk of chunks) res.write(chunk);
      res.end();
    } catch (err) {
      this.#counts.failed++;
      json(res, 500, { code: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  }

  /** The face pipeline of these stages and options, once its models are loaded (in this process's sessions). */
  #facePipeline(request: FaceRequest): Promise<FacePipeline> {
    const key = JSON.stringify([request.stages, request.options]);
    let pipeline = this.#facePipelines.get(key);
    if (!pipeline) {
      const session: Partial<OnnxSessionOptions> = {
        dir: this.options.modelsDir,
        intraOpThreads: this.options.intraOpThreads,
        inProcess: true,
      };
      if (this.#facePipelines.size >= MAX_FACE_PIPELINES) this.#facePipelines.clear();
      const landmarks = request.stages.landmarks ? new FaceLandmarker({ session }) : null;
      const iris = request.stages.iris ? new IrisLandmarker({ session }) : null;
      const created = new FacePipeline(request.options, new FaceDetector({ session }), landmarks, iris);
      // the sessions are those of /run: each model is loaded once, and listed as loaded either way
      const models = [FaceDetector.model];
      if (landmarks) models.push(FaceLandmarker.model);
      if (iris) models.push(IrisLandmarker.model);
      pipeline = created.ready().then(() => {
        for (const m of models) this.#loaded.add(m);
        return created;
      });
      pipeline.catch(() => this.#facePipelines.delete(key)); // asked again on the next frame
      this.#facePipelines.set(key, pipeline);
    }
    return pipeline;
  }

  async #face(request: FaceRequest, data: Uint8Array, res: ServerResponse): Promise<void> {
    let pipeline: FacePipeline;
    try {
      pipeline = await this.#facePipeline(request);
    } catch (err) {
      return this.#modelError(res, err);
    }
    try {
      const obs = await pipeline.run({ data, width: request.width, height: request.height });
      this.#ran(FACE_PIPELINE, obs.busyMs);
      this.#counts.ok++;
      res.writeHead(200, { 'content-type': 'application/json', 'x-run-ms': obs.busyMs.toFixed(3) });
      res.end(JSON.stringify(obs));
    } catch (err) {
      this.#counts.failed++;
      json(res, 500, { code: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  }
}
