import {
  TRANSCRIPT_SPEAKER_ATTRIBUTES as SPEAKER,
  TRANSCRIPTION_ATTRIBUTES as STANDARD,
  TRANSCRIPTION_TOPIC,
} from '@interview-helper/protocol';
import type { Room } from 'livekit-client';

/**
 * One transcript segment: final, or interim (`final: false`, the partial text of a segment still being spoken,
 * replaced by later lines with the same id). A final line with empty text closes a segment that produced no
 * words (it failed or held only noise): its interim line is removed.
 */
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

/**
 * Reads a transcription stream's attributes and text into a line; `undefined` when it has no text, except a
 * final stream with a segment id, which becomes an empty line that removes that segment's interim line.
 */
export function toTranscriptLine(
  text: string,
  attributes: Record<string, string>,
  senderIdentity: string,
  at: number,
): TranscriptLine | undefined {
  const trimmed = text.trim();
  const final = attributes[STANDARD.FINAL] !== 'false';
  if (!trimmed && !(final && attributes[STANDARD.SEGMENT_ID])) return undefined;
  const role = attributes[SPEAKER.ROLE];
  return {
    id: attributes[STANDARD.SEGMENT_ID] || `${senderIdentity}@${at}`,
    speaker: attributes[SPEAKER.IDENTITY] || senderIdentity,
    role: role === 'candidate' || role === 'interviewer' ? role : 'unknown',
    text: trimmed,
    at,
    final,
  };
}

/**
 * The transcript so far, oldest first; a segment id seen again replaces its line in place (interim text, then
 * its final text), and an empty final line removes it. A late interim line never replaces a final one.
 */
export class TranscriptLog {
  readonly #opts: TranscriptLogOptions;
  #lines: TranscriptLine[] = [];

  constructor(options: Partial<TranscriptLogOptions> = {}) {
    this.#opts = { ...defaultOptions, ...options };
    if (!Number.isInteger(this.#opts.maxLines) || this.#opts.maxLines < 1)
      throw new RangeError(`maxLines must be a positive integer, got ${this.#opts.maxLines}`);
  }

  /** Adds, replaces or (empty final text) removes a line; returns whether the transcript changed. */
  add(line: TranscriptLine): boolean {
    const cut =
      line.text.length > this.#opts.maxChars ? `${line.text.slice(0, this.#opts.maxChars)}…` : line.text;
    const next = { ...line, text: cut };
    const i = this.#lines.findIndex((l) => l.id === line.id);
    const current = this.#lines[i];
    if (current?.final && !line.final) return false;
    if (!line.text) {
      if (i < 0) return false;
      this.#lines.splice(i, 1);
      return true;
    }
    if (current) this.#lines[i] = next;
    else this.#lines.push(next);
    if (this.#lines.length > this.#opts.maxLines)
      this.#lines.splice(0, this.#lines.length - this.#opts.maxLines);
    return true;
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
 * speakers, and interim ones while a segment is spoken in realtime STT mode). A stream that breaks off is skipped. Returns a function that stops listening.
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
