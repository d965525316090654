import { stt } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import type { AudioFrame } from '@livekit/rtc-node';
import type { Recognition, SttEngine } from './engine-types.js';

/**
 * One segment of speech transcribed while it is spoken: audio is pushed as it arrives, `finish`
 * commits it and resolves the final text. Partial text is available from the first words on.
 */
export interface LiveTranscription {
  /** Audio of the segment, in order (any rate; the plugin resamples). Ignored once finished. */
  push(frame: AudioFrame): void;
  /** Commits what was pushed and resolves its final text; rejects on any failure or on `signal`. */
  finish(signal: AbortSignal): Promise<Recognition>;
  /** The engine's partial text so far ('' before the first words). */
  readonly partial: string;
  /** Ends the connection (after `finish`, or to give the segment up). */
  close(): void;
}

/** An engine that can also transcribe while the speaker talks. */
export interface StreamingSttEngine extends SttEngine {
  readonly streaming: true;
  /** Opens a live transcription of one segment. Never throws: failures surface in `finish`. */
  live(): LiveTranscription;
}

/** Whether `engine` transcribes while the speaker talks (else it gets whole segments). */
export function isStreaming(engine: SttEngine): engine is StreamingSttEngine {
  const e = engine as Partial<StreamingSttEngine>;
  return e.streaming === true && typeof e.live === 'function';
}

/** Options of {@link OpenAiRealtimeSttEngine}. */
export interface RealtimeEngineOptions {
  /** Any OpenAI-compatible endpoint (`…/v1`; the plugin opens `…/v1/realtime?intent=transcription`). */
  baseURL?: string;
  model: string;
  language: string;
  apiKey?: string;
}

/** Rejects when `signal` aborts, with its reason. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () =>
      reject(signal.reason instanceof Error ? signal.reason : new Error('transcription aborted'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/**
 * The plugin's STT in realtime mode with turn detection off and no plugin-side VAD: it commits the
 * audio buffer on `flush()`, so segments are exactly the ones our Silero VAD cut.
 */
function realtimeStt(opts: RealtimeEngineOptions): openai.STT {
  return new openai.STT({
    useRealtime: true,
    model: opts.model,
    language: opts.language,
    baseURL: opts.baseURL,
    // Local compatible servers need no key, but the client insists on one.
    apiKey: opts.apiKey ?? 'no-key',
    turnDetection: null,
    vad: null,
  });
}

/**
 * A live transcription over the plugin's realtime `SpeechStream`: one WebSocket per segment, the
 * plugin commits the audio buffer on `flush()` (turn detection off: our Silero VAD decides where a
 * segment ends), and the segment is complete at the plugin's `RECOGNITION_USAGE` event, which
 * follows the server's `…transcription.completed` (a final event only comes with text).
 */
class PluginLiveTranscription implements LiveTranscription {
  partial = '';
  #stt: openai.STT;
  #stream: stt.SpeechStream;
  #result: Promise<Recognition>;
  #error?: Error;
  #open = true;

  constructor(opts: RealtimeEngineOptions) {
    this.#stt = realtimeStt(opts);
    // The plugin reports a failed connection as an `error` event and then ends the stream.
    this.#stt.on('error', (e: { error?: unknown }) => {
      this.#error ??= e.error instanceof Error ? e.error : new Error(String(e.error));
    });
    this.#stream = this.#stt.stream();
    this.#result = this.#collect();
    this.#result.catch(() => {});
  }

  async #collect(): Promise<Recognition> {
    let final: Recognition | undefined;
    for await (const ev of this.#stream) {
      const alt = ev.alternatives?.[0];
      if (ev.type === stt.SpeechEventType.INTERIM_TRANSCRIPT && alt) this.partial = alt.text;
      if (ev.type === stt.SpeechEventType.FINAL_TRANSCRIPT && alt) {
        if (typeof alt.text !== 'string') throw new Error('realtime transcription has no text');
        final = { text: alt.text.trim(), language: alt.language };
      }
      if (ev.type === stt.SpeechEventType.RECOGNITION_USAGE) return final ?? { text: '' };
    }
    const why = this.#error?.message ?? 'the connection ended';
    throw new Error(`realtime transcription failed before the segment completed: ${why}`);
  }

  push(frame: AudioFrame): void {
    if (!this.#open || frame.samplesPerChannel === 0) return;
    try {
      this.#stream.pushFrame(frame);
    } catch {
      this.#open = false; // the stream ended (failed): `finish` reports why
    }
  }

  async finish(signal: AbortSignal): Promise<Recognition> {
    if (this.#open) {
      this.#open = false;
      try {
        this.#stream.flush();
      } catch {
        // already ended: the result says why
      }
    }
    return Promise.race([this.#result, aborted(signal)]);
  }

  close(): void {
    this.#open = false;
    try {
      this.#stream.close();
    } catch {
      // already closed
    }
    void this.#stt.close();
  }
}

/**
 * The `@livekit/agents-plugin-openai` STT in realtime mode (`useRealtime: true`), against OpenAI or
 * any server that speaks the realtime transcription protocol. Each segment of speech streams over
 * its own WebSocket while it is spoken and is committed when the VAD ends it; `transcribe` (used
 * for retries) sends a whole segment the same way.
 */
export class OpenAiRealtimeSttEngine implements StreamingSttEngine {
  readonly name: string;
  readonly streaming = true;
  #o: RealtimeEngineOptions;

  constructor(opts: RealtimeEngineOptions) {
    this.name = `openai-realtime:${opts.model}`;
    this.#o = opts;
    // Fail early on options the plugin refuses (it validates them in its constructor).
    void realtimeStt(opts).close();
  }

  live(): LiveTranscription {
    return new PluginLiveTranscription(this.#o);
  }

  async transcribe(audio: AudioFrame, signal: AbortSignal): Promise<Recognition> {
    const live = this.live();
    try {
      live.push(audio);
      return await live.finish(signal);
    } finally {
      live.close();
    }
  }

  async close(): Promise<void> {}
}

/**
 * A live transcription whose engine is still starting (the local server): audio is held until
 * the engine is there, then handed on in order.
 */
export class DeferredLiveTranscription implements LiveTranscription {
  #target?: LiveTranscription;
  #held: AudioFrame[] = [];
  #ready: Promise<LiveTranscription>;
  #closed = false;

  constructor(target: Promise<LiveTranscription>) {
    this.#ready = target.then((t) => {
      this.#target = t;
      for (const f of this.#held.splice(0)) t.push(f);
      if (this.#closed) t.close();
      return t;
    });
    this.#ready.catch(() => {});
  }

  get partial(): string {
    return this.#target?.partial ?? '';
  }

  push(frame: AudioFrame): void {
    if (this.#target) this.#target.push(frame);
    else if (!this.#closed) this.#held.push(frame);
  }

  async finish(signal: AbortSignal): Promise<Recognition> {
    const t = await Promise.race([this.#ready, aborted(signal)]);
    return t.finish(signal);
  }

  close(): void {
    this.#closed = true;
    this.#held = [];
    this.#target?.close();
  }
}
