import { z } from 'zod';

const schema = z.object({
  STT_ENGINE: z.enum(['local', 'openai', 'none']).default('local'),
  STT_MODE: z.enum(['batch', 'realtime']).optional(),
  STT_LOCAL_MODEL: z.enum(['base', 'tiny.en']).default('base'),
  STT_LOCAL_URL: z.string().url().optional(),
  STT_QUEUE: z.coerce.number().int().min(1).max(1000).default(16),
  STT_WORKERS: z.coerce.number().int().min(1).max(16).default(1),
  STT_THREADS: z.coerce.number().int().min(1).max(16).default(1),
  STT_BASE_URL: z.string().url().optional(),
  STT_MODEL: z.string().min(1).optional(),
  STT_LANGUAGE: z.string().min(2).default('en'),
  STT_TIMEOUT_MS: z.coerce.number().int().min(500).max(300_000).default(20_000),
  STT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  STT_PYTHON: z.string().min(1).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  VAD_LONG_PAUSE_SECONDS: z.coerce.number().min(1).max(600).default(8),
});

/** Speech-to-text and audio settings read from the environment (see the README's configuration table). */
export interface AudioSettings {
  engine: 'local' | 'openai' | 'none';
  /**
   * `batch`: one request per VAD segment; `realtime`: transcribed while spoken (a streaming STT
   * streams each segment; a batch one such as the local recognizer decodes it in chunks at the
   * speaker's short pauses). Default: `realtime` for `local`, `batch` for `openai`.
   */
  mode: 'batch' | 'realtime';
  /** Manifest name of the local Whisper model (`whisper-base` or `whisper-tiny.en`). */
  localModel: string;
  /** The machine's shared recognizer (`http://127.0.0.1:PORT/v1`); unset: this process starts its own. */
  localURL?: string;
  /** Local recognizer: requests waiting at most, decodes at once, CPU threads per decode. */
  queue: number;
  workers: number;
  threads: number;
  baseURL?: string;
  model?: string;
  language: string;
  apiKey?: string;
  timeoutMs: number;
  maxAttempts: number;
  /** Interpreter of the local recognizer; default: the venv `npm run models:fetch` installs. */
  python?: string;
  longPauseSeconds: number;
}

/**
 * Reads {@link AudioSettings} from `env`.
 * @throws Error naming every invalid variable.
 */
export function audioSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AudioSettings {
  const r = schema.safeParse(env);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid audio configuration: ${problems}`);
  }
  const e = r.data;
  if (e.STT_ENGINE === 'openai' && !e.OPENAI_API_KEY && !e.STT_BASE_URL)
    throw new Error('invalid audio configuration: STT_ENGINE=openai needs OPENAI_API_KEY or STT_BASE_URL');
  return {
    engine: e.STT_ENGINE,
    mode: e.STT_MODE ?? (e.STT_ENGINE === 'local' ? 'realtime' : 'batch'),
    localModel: `whisper-${e.STT_LOCAL_MODEL}`,
    localURL: e.STT_LOCAL_URL,
    queue: e.STT_QUEUE,
    workers: e.STT_WORKERS,
    threads: e.STT_THREADS,
    baseURL: e.STT_BASE_URL,
    model: e.STT_MODEL,
    language: e.STT_LANGUAGE,
    apiKey: e.OPENAI_API_KEY,
    timeoutMs: e.STT_TIMEOUT_MS,
    maxAttempts: e.STT_MAX_ATTEMPTS,
    python: e.STT_PYTHON,
    longPauseSeconds: e.VAD_LONG_PAUSE_SECONDS,
  };
}

/** `VAD_LONG_PAUSE_SECONDS` when valid, else the default of 8 (never throws: used by analyser factories). */
export function longPauseSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const r = schema.shape.VAD_LONG_PAUSE_SECONDS.safeParse(env.VAD_LONG_PAUSE_SECONDS);
  return r.success ? r.data : 8;
}
