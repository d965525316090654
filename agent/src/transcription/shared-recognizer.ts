import { logger } from '../log.js';
import { RecognizerService } from './recognizer-service.js';
import type { AudioSettings } from './settings.js';

/** How often the shared recognizer's queue depth and memory are logged. */
const STATS_EVERY_MS = 60_000;

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
  const log = logger('stt-recognizer');
  const service = new RecognizerService({
    model: settings.localModel,
    python: settings.python,
    modelsDir: settings.modelsDir,
    queue: settings.queue,
    workers: settings.workers,
    threads: settings.threads,
    deadlineMs: settings.timeoutMs,
  });
  const url = await service.reservePort();
  service.start().then(
    () => {
      const timer = setInterval(() => {
        service.stats().then(
          (s) => log.info({ recognizer: s }, 'speech recognizer stats'),
          () => {},
        );
      }, STATS_EVERY_MS);
      timer.unref();
    },
    (err: unknown) =>
      log.error(
        { err: err instanceof Error ? err.message : String(err) },
        'speech recognizer did not start; transcripts will be stored as failed',
      ),
  );
  return { url, service };
}
