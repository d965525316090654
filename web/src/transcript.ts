import {
  TRANSCRIPT_SPEAKER_ATTRIBUTES as SPEAKER,
  TRANSCRIPTION_ATTRIBUTES as STANDARD,
  TRANSCRIPTION_TOPIC,
} from '@interview-helper/protocol';
import type { Room } from 'livekit-client';

/** One finished transcript segment. */
export interface TranscriptLine {
  /** The segment id (`lk.segment_id`); repeated ids replace the earlier line. */
  id: string;
  speaker: string;
  role: 'candidate' | 'interviewer' | 'unknown';
  text: string;
  /** Milliseconds since the Unix epoch the line arrived. */
  at: number;
  final: boolean;
}

/** Options of {@link TranscriptLog}. */
export interface TranscriptLogOptions {
  /** Most lines kept; the oldest are dropped. */
  maxLines: number;
  /** Longest text kept per line, in characters (longer text is cut with an ellipsis). */
  maxChars: number;
}

const defaultOptions: TranscriptLogOptions = { maxLines: 500, maxChars: 2000 };

/** Reads a transcription stream's attributes and text into a line; `undefined` when it has no text. */
export function toTranscriptLine(
  text: string,
  attributes: Record<string, string>,
  senderIdentity: string,
  at: number,
): TranscriptLine | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const role = attributes[SPEAKER.ROLE];
  return {
    id: attributes[STANDARD.SEGMENT_ID] || `${senderIdentity}@${at}`,
    speaker: attributes[SPEAKER.IDENTITY] || senderIdentity,
    role: role === 'candidate' || role === 'interviewer' ? role : 'unknown',
    text: trimmed,
    at,
    final: attributes[STANDARD.FINAL] !== 'false',
  };
}

/** The transcript so far, oldest first; a segment id seen again replaces its line. */
export class TranscriptLog {
  readonly #opts: TranscriptLogOptions;
  #lines: TranscriptLine[] = [];

  constructor(options: Partial<TranscriptLogOptions> = {}) {
    this.#opts = { ...defaultOptions, ...options };
    if (!Number.isInteger(this.#opts.maxLines) || this.#opts.maxLines < 1)
      throw new RangeError(`maxLines must be a positive integer, got ${this.#opts.maxLines}`);
  }

  /** Adds or replaces a line. */
  add(line: TranscriptLine): void {
    const cut =
      line.text.length > this.#opts.maxChars ? `${line.text.slice(0, this.#opts.maxChars)}…` : line.text;
    const next = { ...line, text: cut };
    const i = this.#lines.findIndex((l) => l.id === line.id);
    if (i >= 0) this.#lines[i] = next;
    else this.#lines.push(next);
    if (this.#lines.length > this.#opts.maxLines)
      this.#lines.splice(0, this.#lines.length - this.#opts.maxLines);
  }

  get lines(): readonly TranscriptLine[] {
    return this.#lines;
  }

  /** The last `n` lines (captions). */
  last(n: number): readonly TranscriptLine[] {
    return this.#lines.slice(-n);
  }
}

/**
 * Listens to the standard `lk.transcription` text streams (the agent sends one per finished segment, for both
 * speakers). A stream that breaks off is skipped. Returns a function that stops listening.
 */
export function onTranscript(room: Room, onLine: (line: TranscriptLine) => void): () => void {
  room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, participant) => {
    reader.readAll().then(
      (text) => {
        const line = toTranscriptLine(text, reader.info.attributes ?? {}, participant.identity, Date.now());
        if (line) onLine(line);
      },
      () => {},
    );
  });
  return () => room.unregisterTextStreamHandler(TRANSCRIPTION_TOPIC);
}
