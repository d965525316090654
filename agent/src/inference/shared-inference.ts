import { logger } from '../log.js';
import { setOnnxSessionProvider } from '../vision/onnx-sessions.js';
import { InferenceClient, type InferenceClientStats } from './client.js';
import { InferenceService } from './service.js';
import type { InferenceSettings } from './settings.js';

let current: InferenceClient | undefined;

/**
 * This job process's runs through the shared service (answered, and given up by reason: each a
 * skipped frame), or undefined when its models run in the process.
 */
export function sharedInferenceStats(): InferenceClientStats | undefined {
  return current?.stats();
}

/**
 * The vision models the analysers use: the face pipeline's three, and the pose analyser's two when it runs. Their
 * wrappers name the same models (`shared-inference.test.ts` checks), but importing them here would load the image
 * libraries into the worker's main process.
 */
export function visionModels(opts: { pose: boolean }): string[] {
  return [
    'blazeface-front',
    'face-landmark',
    'iris-landmark',
    ...(opts.pose ? ['pose-detection', 'pose-landmark-full'] : []),
  ];
}

/**
 * Starts the machine's one inference service in the agent worker's main process, before any job
 * process exists, and returns its socket at once (the caller hands it to the job processes as
 * `VISION_INFERENCE_SOCKET`). It comes up in the background; job processes wait for it when they
 * load their models; it loads `preload` (see {@link visionModels}) as soon as it listens. Does nothing (undefined)
 * unless the mode is `shared` and no socket is given.
 * The service's queue depth, CPU and memory are logged every minute.
 */
export function startSharedInference(
  settings: InferenceSettings,
  preload: string[] = [],
): { socket: string; service: InferenceService } | undefined {
  if (settings.mode !== 'shared' || settings.socket) return undefined;
  const service = new InferenceService({
    modelsDir: settings.modelsDir,
    intraOpThreads: settings.threads,
    maxQueue: settings.queue,
    deadlineMs: settings.deadlineMs,
    preload,
  });
  service.startInBackground(
    'inference service did not start; vision frames are skipped until it does',
    'inference',
  );
  return { socket: service.socket, service };
}

/**
 * In a job process: routes every vision model of this process to the shared service when the mode
 * is `shared` and the worker gave its socket; otherwise leaves the in-process sessions in place.
 * Returns the client (its counters are this process's skipped runs), or undefined.
 */
export function useSharedInference(settings: InferenceSettings): InferenceClient | undefined {
  if (settings.mode !== 'shared' || !settings.socket) return undefined;
  const client = new InferenceClient({
    socket: settings.socket,
    deadlineMs: settings.deadlineMs,
    modelsDir: settings.modelsDir,
  });
  setOnnxSessionProvider(client.provider());
  current = client;
  logger('vision-inference').debug({ socket: settings.socket }, 'vision models run in the shared service');
  return client;
}
