import * as ort from 'onnxruntime-node';
import { DEFAULT_MODELS_DIR, loadManifest, ModelError, verifiedModelPath } from './models.js';

/** Options of the process-wide ONNX sessions. */
export interface OnnxSessionOptions {
  /** Threads inside one operator; 1 keeps one analysed frame on one core. */
  intraOpThreads: number;
  /** Threads across operators (sequential execution uses one). */
  interOpThreads: number;
  /** Directory of verified model files. */
  dir: string;
  /**
   * Always this process's session, even when a provider is set ({@link setOnnxSessionProvider}): what the inference
   * service's own pipelines use, so that they never send a run back to a service.
   */
  inProcess: boolean;
}

export const defaultOnnxSessionOptions: OnnxSessionOptions = {
  intraOpThreads: 1,
  interOpThreads: 1,
  dir: DEFAULT_MODELS_DIR,
  inProcess: false,
};

/** One output tensor of a model run: what the model wrappers read (`out[name].data`). */
export interface OnnxOutput {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: ort.Tensor.DataType;
}

/**
 * What a model wrapper needs of a session: `run` with named input tensors, named outputs back (all of them, or only
 * those named in `fetches`: the model still runs whole, but a shared service sends back only those). An
 * `ort.InferenceSession` in this process is one; a client of a shared inference service is another.
 */
export interface OnnxRunner {
  run(
    feeds: Record<string, ort.Tensor>,
    fetches?: readonly string[],
  ): Promise<Readonly<Record<string, OnnxOutput>>>;
}

/** Where {@link onnxSession} gets the runner of a model when not in this process (see {@link setOnnxSessionProvider}). */
export type OnnxSessionProvider = (name: string, opts: OnnxSessionOptions) => Promise<OnnxRunner>;

/**
 * A model could not be run this time (the shared inference service is down, restarting, over its
 * queue or past the request's deadline): the caller skips this frame and goes on with the next.
 */
export class InferenceUnavailableError extends Error {
  /** `unreachable`, `queue_full`, `deadline`, `failed` (the run itself failed in the service). */
  readonly reason: string;
  readonly model: string;
  constructor(reason: string, model: string, message: string) {
    super(message);
    this.name = 'InferenceUnavailableError';
    this.reason = reason;
    this.model = model;
  }
}

/**
 * `[result]` of `work`, or undefined when a model could not be run this time
 * ({@link InferenceUnavailableError}: the caller skips the frame); other errors pass.
 */
export async function orSkip<T>(work: Promise<T>): Promise<[T] | undefined> {
  try {
    return [await work];
  } catch (err) {
    if (err instanceof InferenceUnavailableError) return undefined;
    throw err;
  }
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();
const reported = new Set<string>();
let provider: OnnxSessionProvider | undefined;

/**
 * Routes every later {@link onnxSession} call of this process to `next` (a shared inference
 * service), or back to sessions in this process when undefined.
 */
export function setOnnxSessionProvider(next: OnnxSessionProvider | undefined): void {
  provider = next;
}

/**
 * The runner of model `name`: through the provider set by {@link setOnnxSessionProvider} when there
 * is one (unless `inProcess`), else this process's one session of the model ({@link localOnnxSession}).
 */
export function onnxSession(name: string, opts: Partial<OnnxSessionOptions> = {}): Promise<OnnxRunner> {
  const o = { ...defaultOnnxSessionOptions, ...opts };
  return provider && !o.inProcess ? provider(name, o) : localOnnxSession(name, o).then(sessionRunner);
}

const runners = new WeakMap<ort.InferenceSession, OnnxRunner>();

/** An `InferenceSession` of this process as an {@link OnnxRunner} (one runner per session). */
export function sessionRunner(session: ort.InferenceSession): OnnxRunner {
  let runner = runners.get(session);
  if (!runner) {
    runner = { run: (feeds, fetches) => (fetches ? session.run(feeds, [...fetches]) : session.run(feeds)) };
    runners.set(session, runner);
  }
  return runner;
}

/**
 * The one `InferenceSession` of model `name` in this process, created on first use after its
 * checksum is verified, and reused by every room afterwards. A missing or corrupt model rejects
 * with a {@link ModelError} (logged once per model per process, naming the fix).
 */
export function localOnnxSession(
  name: string,
  opts: Partial<OnnxSessionOptions> = {},
): Promise<ort.InferenceSession> {
  const o = { ...defaultOnnxSessionOptions, ...opts };
  const key = `${o.dir}\0${name}\0${o.intraOpThreads}\0${o.interOpThreads}`;
  let session = sessions.get(key);
  if (!session) {
    session = create(name, o);
    sessions.set(key, session);
    session.catch((err: unknown) => {
      sessions.delete(key);
      if (err instanceof ModelError && !reported.has(key)) {
        reported.add(key);
        // loaded here, not at the top: a process that only serves models need not load the agents framework
        void import('../log.js').then(({ logger }) =>
          logger('vision').error({ error: err.toJSON() }, err.message),
        );
      }
    });
  }
  return session;
}

async function create(name: string, o: OnnxSessionOptions): Promise<ort.InferenceSession> {
  const entry = (await loadManifest()).find((m) => m.name === name);
  if (!entry) throw new ModelError('model_unknown', name, `model "${name}" is not in models/manifest.json`);
  const path = await verifiedModelPath(entry, o.dir);
  return ort.InferenceSession.create(path, {
    intraOpNumThreads: o.intraOpThreads,
    interOpNumThreads: o.interOpThreads,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // idle pool threads sleep instead of spinning, so a shared session's threads cost nothing between runs
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
}
