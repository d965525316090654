import { type APIConnectOptions, type AudioBuffer, stt } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import {
  RecognizerService,
  type RecognizerServiceOptions,
  type RecognizerStats,
} from './recognizer-service.js';
import type { AudioSettings } from './settings.js';

/**
 * Connection options for every plugin stream we open: no retries inside the plugin. The
 * transcriber's retry policy (time limit, attempts, backoff, failed segments) is the only one.
 */
export const NO_PLUGIN_RETRIES: APIConnectOptions = { maxRetry: 0, retryIntervalMs: 0, timeoutMs: 20_000 };

/** An STT that can also take requests that yield to all others (interim-only decodes). */
export interface LowPrioritySTT {
  recognizeLowPriority(buffer: AudioBuffer, abortSignal?: AbortSignal): Promise<stt.SpeechEvent>;
}

/** Options of {@link LocalRecognizerSTT}. */
export interface LocalRecognizerOptions {
  /** The machine's shared recognizer (`http://127.0.0.1:PORT/v1`); unset: one is started for this STT. */
  baseURL?: string;
  /** How to start one when `baseURL` is unset. */
  service?: Partial<RecognizerServiceOptions>;
  language: string;
}

/**
 * The local recognizer as an agents-js `stt.STT` (batch: `recognize` one buffer of speech): the
 * `@livekit/agents-plugin-openai` STT against the machine's loopback recognizer, which speaks the
 * OpenAI transcription API over faster-whisper. Without a shared recognizer's URL it starts its own
 * on first use and stops it on `close`.
 */
export class LocalRecognizerSTT extends stt.STT implements LowPrioritySTT {
  label = 'local-recognizer';
  #o: LocalRecognizerOptions;
  #inner?: Promise<{ normal: openai.STT; low: openai.STT }>;
  #own?: RecognizerService;

  constructor(opts: LocalRecognizerOptions) {
    super({ streaming: false, interimResults: false });
    this.#o = opts;
  }

  override get model(): string {
    return this.#o.service?.model ?? 'whisper';
  }

  override get provider(): string {
    return 'local';
  }

  #stt(): Promise<{ normal: openai.STT; low: openai.STT }> {
    this.#inner ??= (async () => {
      let baseURL = this.#o.baseURL;
      if (!baseURL) {
        this.#own = new RecognizerService(this.#o.service);
        await this.#own.start();
        baseURL = this.#own.baseURL;
      }
      // The plugin's client makes no retries of its own (maxRetries: 0).
      const plugin = (url: string) =>
        new openai.STT({
          useRealtime: false,
          baseURL: url,
          apiKey: 'no-key',
          language: this.#o.language,
          model: this.model,
        });
      return { normal: plugin(baseURL), low: plugin(baseURL.replace(/\/v1\/?$/, '/low/v1')) };
    })();
    const inner = this.#inner;
    // A recognizer that failed to start is tried again on the next segment.
    inner.catch(() => {
      if (this.#inner === inner) this.#inner = undefined;
    });
    return inner;
  }

  protected async _recognize(buffer: AudioBuffer, abortSignal?: AbortSignal): Promise<stt.SpeechEvent> {
    return (await this.#stt()).normal.recognize(buffer, abortSignal);
  }

  /** Like `recognize`, but only when the recognizer is idle (else it fails at once): for interim-only decodes. */
  async recognizeLowPriority(buffer: AudioBuffer, abortSignal?: AbortSignal): Promise<stt.SpeechEvent> {
    return (await this.#stt()).low.recognize(buffer, abortSignal);
  }

  /**
   * The recognizer's `GET /stats` (queue depth, memory, request counts): the shared one at `baseURL`, or this
   * STT's own once started (undefined before: it starts on the first segment). Cheap (no decoding); fails when
   * the recognizer does not answer in time.
   */
  async recognizerStats(
    signal: AbortSignal = AbortSignal.timeout(2000),
  ): Promise<RecognizerStats | undefined> {
    if (!this.#o.baseURL) return this.#own?.stats(signal);
    const res = await fetch(new URL('/stats', this.#o.baseURL), { signal });
    if (!res.ok) throw new Error(`recognizer stats: HTTP ${res.status}`);
    return (await res.json()) as RecognizerStats;
  }

  stream(): stt.SpeechStream {
    throw new Error('the local recognizer transcribes whole buffers (recognize), it has no stream');
  }

  override async close(): Promise<void> {
    const inner = await this.#inner?.catch(() => undefined);
    this.#inner = undefined;
    await inner?.normal.close();
    await inner?.low.close();
    await this.#own?.stop();
  }
}

/** The error is the recognizer's "queue full" answer (HTTP 503 `queue_full`): it is overloaded. */
export function isOverload(err: unknown): boolean {
  const e = err as { status?: number; code?: string; message?: string } | undefined;
  return e?.status === 503 && (e.code === 'queue_full' || /queue_full|recognizer busy/.test(e.message ?? ''));
}

/** An STT and how the transcriber uses it. */
export interface SttChoice {
  stt: stt.STT;
  mode: 'batch' | 'realtime';
  name: string;
}

/** Creates the STT the settings name, or undefined for `none`. Every agents-js STT plugin fits here. */
export function createStt(s: AudioSettings): SttChoice | undefined {
  switch (s.engine) {
    case 'none':
      return undefined;
    case 'local':
      return {
        stt: new LocalRecognizerSTT({
          baseURL: s.localURL,
          language: s.language,
          service: {
            model: s.localModel,
            fallbackModel: s.localFallbackModel,
            fallbackAfterMs: s.localFallbackAfterMs,
            python: s.python,
            modelsDir: s.modelsDir,
            queue: s.queue,
            workers: s.workers,
            threads: s.threads,
            deadlineMs: s.timeoutMs,
          },
        }),
        mode: s.mode,
        name: `local:${s.localModel}`,
      };
    case 'openai': {
      const opts = { baseURL: s.baseURL, language: s.language, apiKey: s.apiKey ?? 'no-key' };
      const model = s.model ?? (s.mode === 'realtime' ? 'gpt-4o-transcribe' : 'whisper-1');
      // Realtime: turn detection off and no plugin-side VAD, so the audio buffer is committed on
      // `flush()` and segments are exactly the ones our Silero VAD cut.
      const plugin =
        s.mode === 'realtime'
          ? new openai.STT({ ...opts, model, useRealtime: true, turnDetection: null, vad: null })
          : new openai.STT({ ...opts, model, useRealtime: false });
      return { stt: plugin, mode: s.mode, name: `openai:${model}` };
    }
  }
}
