import { stt } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { NO_PLUGIN_RETRIES } from './engine.js';

/** What an STT heard in one segment of speech. */
export interface Recognition {
  text: string;
  language?: string;
}

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
  /**
   * The speaker paused from `atMs` (ms of audio since the first pushed sample) for a moment
   * without ending the segment: a place to cut a chunk (used by chunked decoding).
   */
  pause?(atMs: number): void;
  /** Speech resumed after a pause. */
  resume?(): void;
}

/** Rejects when `signal` aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () =>
      reject(signal.reason instanceof Error ? signal.reason : new Error('transcription aborted'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/**
 * A live transcription over a streaming STT's `SpeechStream` (one per segment, opened with no
 * plugin-side retries): audio is pushed while spoken, `flush()` commits it when our Silero VAD ends
 * the segment, and the segment is complete at the plugin's `RECOGNITION_USAGE` event (the OpenAI
 * realtime plugin sends it after the server's `…transcription.completed`), or when the stream
 * ends after the commit. Finals are joined; interim results are the partial text.
 */
export class StreamLiveTranscription implements LiveTranscription {
  partial = '';
  #stt: stt.STT;
  #stream: stt.SpeechStream;
  #result: Promise<Recognition>;
  #error?: Error;
  #open = true;
  #onError = (e: { error?: unknown }) => {
    this.#error ??= e.error instanceof Error ? e.error : new Error(String(e.error));
  };

  constructor(s: stt.STT) {
    this.#stt = s;
    // A plugin reports a failed connection as an `error` event on the STT and then ends the stream.
    this.#stt.on('error', this.#onError);
    this.#stream = this.#stt.stream({ connOptions: NO_PLUGIN_RETRIES });
    this.#result = this.#collect();
    this.#result.catch(() => {});
  }

  async #collect(): Promise<Recognition> {
    const finals: string[] = [];
    let language: string | undefined;
    for await (const ev of this.#stream) {
      const alt = ev.alternatives?.[0];
      if (ev.type === stt.SpeechEventType.INTERIM_TRANSCRIPT && alt)
        this.partial = [...finals, alt.text].join(' ').trim();
      if (ev.type === stt.SpeechEventType.FINAL_TRANSCRIPT && alt) {
        if (typeof alt.text !== 'string') throw new Error('realtime transcription has no text');
        if (alt.text.trim()) finals.push(alt.text.trim());
        language = alt.language;
        this.partial = finals.join(' ');
      }
      if (ev.type === stt.SpeechEventType.RECOGNITION_USAGE) return { text: finals.join(' '), language };
    }
    if (!this.#open && !this.#error && finals.length) return { text: finals.join(' '), language };
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
    this.#stt.off('error', this.#onError);
    try {
      this.#stream.close();
    } catch {
      // already closed
    }
  }
}
