/** Speech-to-text and audio settings (from the agent configuration: `STT_*`, `OPENAI_API_KEY`, `VAD_LONG_PAUSE_SECONDS`). */
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
