import * as ort from 'onnxruntime-node';
import { logger } from '../log.js';
import { DEFAULT_MODELS_DIR, loadManifest, ModelError, verifiedModelPath } from './models.js';

/** Options of the process-wide ONNX sessions. */
export interface OnnxSessionOptions {
  /** Threads inside one operator; 1 keeps one analysed frame on one core. */
  intraOpThreads: number;
  /** Threads across operators (sequential execution uses one). */
  interOpThreads: number;
  /** Directory of verified model files. */
  dir: string;
}

export const defaultOnnxSessionOptions: OnnxSessionOptions = {
  intraOpThreads: 1,
  interOpThreads: 1,
  dir: DEFAULT_MODELS_DIR,
};

const sessions = new Map<string, Promise<ort.InferenceSession>>();
const reported = new Set<string>();

/**
 * The one `InferenceSession` of model `name` in this process, created on first use after its
 * checksum is verified, and reused by every room afterwards. A missing or corrupt model rejects
 * with a {@link ModelError} (logged once per model per process, naming the fix).
 */
export function onnxSession(
  name: string,
  opts: Partial<OnnxSessionOptions> = {},
): Promise<ort.InferenceSession> {
  const o = { ...defaultOnnxSessionOptions, ...opts };
  const key = `${o.dir}\0${name}`;
  let session = sessions.get(key);
  if (!session) {
    session = create(name, o);
    sessions.set(key, session);
    session.catch((err: unknown) => {
      sessions.delete(key);
      if (err instanceof ModelError && !reported.has(key)) {
        reported.add(key);
        logger('vision').error({ error: err.toJSON() }, err.message);
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
  });
}
