/** Speech-to-text and audio settings (from the agent configuration: `STT_*`, `OPENAI_API_KEY`, `VAD_LONG_PAUSE_SECONDS`). */
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
  /**
   * Manifest name of the faster model the local recognizer decodes with while it is behind (more
   * than `localFallbackAfterMs` of work waiting for `localModel`); unset: none.
   */
  localFallbackModel?: string;
  localFallbackAfterMs: number;
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
  /**
   * Silence that ends a transcription segment (ms): the final is decoded once the speaker has been
   * quiet this long; speech resuming sooner continues the same segment. Shorter: finals sooner but
   * sentences split at longer pauses. Optional: the transcriber's default when unset.
   */
  endSilenceMs?: number;
  /** Interpreter of the local recognizer; default: the venv `npm run models:fetch` installs. */
  python?: string;
  /** Directory of the Whisper models and the recognizer's venv; default: `models/cache`. */
  modelsDir?: string;
  longPauseSeconds: number;
  /** How long live audio may wait for Silero before its voice activity is skipped to catch up (ms). */
  vadMaxBacklogMs: number;
}
