import { logger } from '../log.js';
import { RecognizerService } from './recognizer-service.js';
import { audioSettingsFromEnv } from './settings.js';

/** How often the shared recognizer's queue depth and memory are logged. */
const STATS_EVERY_MS = 60_000;

/**
 * Starts the machine's one local recognizer in the agent worker's main process, before any job
 * process exists: `STT_LOCAL_URL` is set in `env` at once (job processes inherit it and connect over
 * loopback) and the model loads in the background (requests sent before it is ready fail and are
 * retried by their transcriber). Does nothing unless `STT_ENGINE` is `local` (the default) and
 * `STT_LOCAL_URL` is unset. The recognizer's queue depth and memory are logged every minute.
 */
export async function startSharedRecognizer(
  env: NodeJS.ProcessEnv = process.env,
): Promise<RecognizerService | undefined> {
  let settings: ReturnType<typeof audioSettingsFromEnv>;
  try {
    settings = audioSettingsFromEnv(env);
  } catch {
    return undefined; // the transcription extension logs what is wrong
  }
  if (settings.engine !== 'local' || settings.localURL) return undefined;
  const log = logger('stt-recognizer');
  const service = new RecognizerService({
    model: settings.localModel,
    python: settings.python,
    queue: settings.queue,
    workers: settings.workers,
    threads: settings.threads,
    deadlineMs: settings.timeoutMs,
  });
  env.STT_LOCAL_URL = await service.reservePort();
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
  return service;
}
