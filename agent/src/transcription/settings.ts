import { z } from 'zod';

const schema = z.object({
  STT_ENGINE: z.enum(['local', 'openai', 'none']).default('none'),
  STT_MODE: z.enum(['batch', 'realtime']).default('batch'),
  STT_BASE_URL: z.string().url().optional(),
  STT_MODEL: z.string().min(1).optional(),
  STT_LANGUAGE: z.string().min(2).default('en'),
  STT_TIMEOUT_MS: z.coerce.number().int().min(500).max(300_000).default(20_000),
  STT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  STT_PYTHON: z.string().min(1).default('python3'),
  OPENAI_API_KEY: z.string().min(1).optional(),
  VAD_LONG_PAUSE_SECONDS: z.coerce.number().min(1).max(600).default(8),
});

/** Speech-to-text and audio settings read from the environment (see the README's configuration table). */
export interface AudioSettings {
  engine: 'local' | 'openai' | 'none';
  /** `batch`: one request per VAD segment; `realtime`: the realtime transcription WebSocket. */
  mode: 'batch' | 'realtime';
  baseURL?: string;
  model?: string;
  language: string;
  apiKey?: string;
  timeoutMs: number;
  maxAttempts: number;
  python: string;
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
    mode: e.STT_MODE,
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
