import { Agent, type IncomingMessage, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as ort from 'onnxruntime-node';
import { logger } from '../log.js';
import type { FaceObservation, FacePipelineOptions, FaceStages } from '../vision/face-pipeline.js';
import { ModelError, type ModelErrorCode } from '../vision/models.js';
import {
  InferenceUnavailableError,
  localOnnxSession,
  type OnnxOutput,
  type OnnxRunner,
  type OnnxSessionProvider,
  sessionRunner,
} from '../vision/onnx-sessions.js';
import type { RgbImage } from '../vision/resample.js';
import { FACE_HEADER, FACE_PIPELINE, type FaceRequest, faceObservationSchema } from './face-wire.js';
import {
  decodeTensors,
  encodeTensors,
  isWireType,
  OUTPUTS_HEADER,
  readBody,
  TENSORS_HEADER,
  type WireTensor,
} from './wire.js';

/** Options of {@link InferenceClient}. */
export interface InferenceClientOptions {
  /** Unix socket of the inference service. */
  socket: string;
  /** Time a run may take, queue included, before its frame is given up (ms). */
  deadlineMs: number;
  /** How long loading a model waits for an unreachable service before going on without it (ms). */
  readyTimeoutMs: number;
  /** Connections kept open to the service. */
  maxSockets: number;
  /**
   * When the service does not answer within `readyTimeoutMs` while a model loads, run that model in
   * this process instead (more memory, but the room is analysed); false: hand out the service's
   * runner anyway (frames are skipped until the service is back).
   */
  fallbackToLocal: boolean;
  /** Models directory of that fallback. */
  modelsDir?: string;
}

export const defaultInferenceClientOptions: Omit<InferenceClientOptions, 'socket'> = {
  deadlineMs: 1000,
  readyTimeoutMs: 20_000,
  maxSockets: 4,
  fallbackToLocal: true,
};

/** What one job process's client counted: runs answered and runs given up, by reason. */
export interface InferenceClientStats {
  ok: number;
  /** Frames given up, by {@link InferenceUnavailableError.reason}. */
  unavailable: Record<string, number>;
  /** Models run in this process because the service did not answer when they were loaded. */
  localFallbacks: string[];
  /** Mean round trip of an answered run, and the part spent outside onnxruntime (the hop and the queue), ms. */
  meanRoundTripMs: number;
  meanOverheadMs: number;
}

/** How long past its deadline a model run's answer is awaited (the deadline bounds its wait in the queue). */
const GRACE_MS = 250;
/** …and a whole face frame's (four runs): once the service began it, its CPU is spent, and the answer is worth more. */
const FRAME_GRACE_MS = 1000;
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: ArrayBuffer;
}

/**
 * A job process's side of the shared inference service: sends the input tensors of one model run
 * over the service's unix socket (HTTP, binary body, kept-alive connections) and hands back its
 * output tensors. A run that cannot be done (service down or restarting, queue full, deadline
 * passed, run failed) rejects with {@link InferenceUnavailableError} and is counted; the analyser
 * skips that frame. {@link provider} plugs it under every model wrapper (`setOnnxSessionProvider`).
 */
export class InferenceClient {
  readonly options: InferenceClientOptions;
  #agent: Agent;
  #ready = new Map<string, Promise<OnnxRunner>>();
  #ok = 0;
  #unavailable: Record<string, number> = {};
  #roundTripMs = 0;
  #overheadMs = 0;
  #fallbacks = new Set<string>();

  constructor(opts: Partial<InferenceClientOptions> & Pick<InferenceClientOptions, 'socket'>) {
    this.options = { ...defaultInferenceClientOptions, ...opts };
    this.#agent = new Agent({ keepAlive: true, maxSockets: this.options.maxSockets });
  }

  /** The session provider for `setOnnxSessionProvider`: a runner per model, its model loaded in the service. */
  provider(): OnnxSessionProvider {
    return (name) => this.runner(name);
  }

  /**
   * The runner of `model`, once the service has loaded it. A missing or corrupt model rejects with
   * its `ModelError` (as an in-process session would). While the service cannot be reached it is
   * asked again with backoff for up to `readyTimeoutMs`; then the model is loaded in this process
   * (`fallbackToLocal`), or the service's runner is handed out anyway (its runs fail, frames are
   * skipped, until the service is back).
   */
  runner(model: string): Promise<OnnxRunner> {
    let ready = this.#ready.get(model);
    if (!ready) {
      ready = this.#load(model);
      this.#ready.set(model, ready);
      ready.catch(() => this.#ready.delete(model));
    }
    return ready;
  }

  async #load(model: string): Promise<OnnxRunner> {
    const runner: OnnxRunner = { run: (feeds, fetches) => this.run(model, feeds, fetches) };
    const until = performance.now() + this.options.readyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      let reply: Reply;
      try {
        reply = await this.#request(
          'GET',
          `/models/${encodeURIComponent(model)}`,
          this.options.readyTimeoutMs,
        );
      } catch (err) {
        if (!(err instanceof InferenceUnavailableError)) throw err;
        if (performance.now() >= until) return this.#fallback(model, runner);
        await sleep(Math.min(2000, 50 * 2 ** attempt));
        continue;
      }
      if (reply.status === 200) return runner;
      throw this.#error(model, reply);
    }
  }

  async #fallback(model: string, runner: OnnxRunner): Promise<OnnxRunner> {
    if (!this.options.fallbackToLocal) return runner;
    const local = await localOnnxSession(
      model,
      this.options.modelsDir ? { dir: this.options.modelsDir } : {},
    );
    this.#fallbacks.add(model);
    logger('vision-inference').warn(
      { model, socket: this.options.socket },
      'inference service not reachable; this job runs the model in its own process',
    );
    return sessionRunner(local);
  }

  /**
   * Runs `model` on `feeds` in the service (the tensors are copied before this returns); only the outputs named in
   * `fetches` come back, when given.
   */
  run(
    model: string,
    feeds: Record<string, ort.Tensor>,
    fetches?: readonly string[],
  ): Promise<Record<string, OnnxOutput>> {
    return this.#counted(model, async () => {
      const tensors: Record<string, WireTensor> = {};
      for (const [name, t] of Object.entries(feeds)) {
        if (!isWireType(t.type)) throw new Error(`input ${name} has type ${t.type}`);
        tensors[name] = { type: t.type, dims: [...t.dims], data: t.data as WireTensor['data'] };
      }
      const body = encodeTensors(tensors);
      const began = performance.now();
      const reply = await this.#request(
        'POST',
        `/run/${encodeURIComponent(model)}`,
        this.options.deadlineMs + GRACE_MS,
        {
          [TENSORS_HEADER]: body.header,
          'x-deadline-ms': String(this.options.deadlineMs),
          ...(fetches ? { [OUTPUTS_HEADER]: JSON.stringify(fetches) } : {}),
        },
        body,
        model,
      );
      if (reply.status !== 200) throw this.#error(model, reply);
      const h = reply.headers[TENSORS_HEADER];
      const out = decodeTensors(Array.isArray(h) ? h[0] : h, reply.body);
      this.#answered(began, reply);
      return out;
    });
  }

  /**
   * The face pipeline's observation of one RGB24 frame, every stage run in the service in one request (see
   * `POST /face`); `busyMs` is the round trip. The frame's bytes are sent as they are (no copy).
   */
  face(img: RgbImage, stages: FaceStages, options: FacePipelineOptions): Promise<FaceObservation> {
    return this.#counted(FACE_PIPELINE, async () => {
      const { width, height } = img;
      const bytes = width * height * 3;
      if (img.data.length < bytes)
        throw new Error(`an RGB24 frame of ${width}×${height} needs ${bytes} bytes`);
      const request: FaceRequest = {
        width,
        height,
        stages,
        options: {
          minPresence: options.minPresence,
          irisYawLimitDeg: options.irisYawLimitDeg,
          irisRollLimitDeg: options.irisRollLimitDeg,
        },
      };
      const began = performance.now();
      const reply = await this.#request(
        'POST',
        '/face',
        this.options.deadlineMs + FRAME_GRACE_MS,
        { [FACE_HEADER]: JSON.stringify(request), 'x-deadline-ms': String(this.options.deadlineMs) },
        { chunks: [img.data.subarray(0, bytes)], length: bytes },
        FACE_PIPELINE,
      );
      // a model the service cannot load now (it loaded when this process was ready) skips the frame
      if (reply.status !== 200) throw this.#unavailableError(FACE_PIPELINE, reply);
      let parsed: ReturnType<typeof faceObservationSchema.safeParse>;
      try {
        parsed = faceObservationSchema.safeParse(JSON.parse(Buffer.from(reply.body).toString('utf8')));
      } catch (err) {
        throw new InferenceUnavailableError('failed', FACE_PIPELINE, `face pipeline: ${String(err)}`);
      }
      if (!parsed.success)
        throw new InferenceUnavailableError(
          'failed',
          FACE_PIPELINE,
          `face pipeline answered ${parsed.error.message}`,
        );
      this.#answered(began, reply);
      return { ...parsed.data, busyMs: performance.now() - began };
    });
  }

  /** Counts an answered request: its round trip and the part outside onnxruntime. */
  #answered(began: number, reply: Reply): void {
    const roundTrip = performance.now() - began;
    this.#ok++;
    this.#roundTripMs += roundTrip;
    this.#overheadMs += roundTrip - (Number(reply.headers['x-run-ms']) || 0);
  }

  /** `work`, its failures counted by reason. */
  async #counted<T>(model: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof InferenceUnavailableError) {
        this.#unavailable[err.reason] = (this.#unavailable[err.reason] ?? 0) + 1;
        // a restarted service loads the model again: the next frame waits for that (without a deadline)
        if (err.reason === 'unreachable') this.#ready.delete(model);
      }
      throw err;
    }
  }

  /** Runs answered and given up so far in this process. */
  stats(): InferenceClientStats {
    const n = Math.max(1, this.#ok);
    return {
      ok: this.#ok,
      unavailable: { ...this.#unavailable },
      localFallbacks: [...this.#fallbacks],
      meanRoundTripMs: Number((this.#roundTripMs / n).toFixed(3)),
      meanOverheadMs: Number((this.#overheadMs / n).toFixed(3)),
    };
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  #error(model: string, reply: Reply): Error {
    const body = errorBody(reply);
    if (reply.status === 404 && body.code?.startsWith('model_'))
      return new ModelError(body.code as ModelErrorCode, model, body.message);
    return this.#unavailableError(model, reply, body);
  }

  #unavailableError(model: string, reply: Reply, body = errorBody(reply)): InferenceUnavailableError {
    const reason = reply.status === 503 ? 'queue_full' : reply.status === 504 ? 'deadline' : 'failed';
    return new InferenceUnavailableError(reason, model, `${model}: ${body.message}`);
  }

  #request(
    method: string,
    path: string,
    timeoutMs: number,
    headers: Record<string, string> = {},
    body?: { chunks: Uint8Array[]; length: number },
    model = '',
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.options.socket,
          agent: this.#agent,
          method,
          path,
          headers: body
            ? { ...headers, 'content-type': 'application/octet-stream', 'content-length': body.length }
            : headers,
        },
        (res) => {
          readBody(res, 64 * 1024 * 1024).then(
            (b) => {
              clearTimeout(timer);
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b });
            },
            (err: unknown) => fail(err),
          );
        },
      );
      const fail = (err: unknown) => {
        clearTimeout(timer);
        if (err instanceof InferenceUnavailableError) return reject(err);
        const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
        const message = err instanceof Error ? err.message : String(err);
        reject(
          new InferenceUnavailableError(
            UNREACHABLE.has(code) || !code ? 'unreachable' : 'failed',
            model,
            `inference service: ${message}`,
          ),
        );
      };
      const timer = setTimeout(
        () =>
          req.destroy(new InferenceUnavailableError('deadline', model, `no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('error', fail);
      for (const chunk of body?.chunks ?? []) req.write(chunk);
      req.end();
    });
  }
}

/** The `{ code, message }` of an error answer (a message naming the status when it has none). */
function errorBody(reply: Reply): { code?: string; message: string } {
  let parsed: { code?: string; message?: string } = {};
  try {
    parsed = JSON.parse(Buffer.from(reply.body).toString('utf8'));
  } catch {}
  return { ...parsed, message: parsed.message ?? `inference service answered HTTP ${reply.status}` };
}
