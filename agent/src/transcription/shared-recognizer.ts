import { RecognizerService } from './recognizer-service.js';
import type { AudioSettings } from './settings.js';

/**
 * Starts the machine's one local recognizer in the agent worker's main process, before any job
 * process exists, and returns its URL at once (the caller hands it to the job processes as
 * `STT_LOCAL_URL`; they connect over loopback). The model loads in the background: requests sent
 * before it is ready fail and are retried by their transcriber. Does nothing (returns undefined)
 * unless the engine is `local` and no recognizer URL is configured. The recognizer's queue depth
 * and memory are logged every minute.
 */
export async function startSharedRecognizer(
  settings: AudioSettings,
): Promise<{ url: string; service: RecognizerService } | undefined> {
  if (settings.engine !== 'local' || settings.localURL) return undefined;
  const service = new RecognizerService({
    model: settings.localModel,
    fallbackModel: settings.localFallbackModel,
    fallbackAfterMs: settings.localFallbackAfterMs,
    python: settings.python,
    modelsDir: settings.modelsDir,
    queue: settings.queue,
    workers: settings.workers,
    threads: settings.threads,
    deadlineMs: settings.timeoutMs,
  });
  const url = await service.reservePort();
  service.startInBackground(
    'speech recognizer did not start; transcripts will be stored as failed',
    'recognizer',
  );
  return { url, service };
}
