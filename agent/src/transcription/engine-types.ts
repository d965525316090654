import type { AudioFrame } from '@livekit/rtc-node';

/** What an engine heard in one segment of speech. */
export interface Recognition {
  text: string;
  language?: string;
}

/** A speech-to-text engine: one finished segment of speech in, its text out. */
export interface SttEngine {
  readonly name: string;
  /** Transcribes one segment; throws on any failure (the caller retries). */
  transcribe(audio: AudioFrame, signal: AbortSignal): Promise<Recognition>;
  close(): Promise<void>;
}
