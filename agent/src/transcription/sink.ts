import {
  TRANSCRIPT_SPEAKER_ATTRIBUTES as SPEAKER,
  TRANSCRIPTION_ATTRIBUTES as STANDARD,
  TRANSCRIPTION_TOPIC,
} from '@interview-helper/protocol';
import type { TranscriptSegmentInput } from '@interview-helper/storage';
import { logger } from '../log.js';
import type { SessionContext } from '../session/extension.js';
import { type Caption, InterimCaptions, type InterimCaptionsOptions } from './sink-interim.js';
import type { Speaker, TranscriptSegment } from './transcriber.js';

/** Where transcript segments are kept ({@link InterviewStore} fits). */
export interface TranscriptStore {
  insertTranscriptSegment(segment: TranscriptSegmentInput): Promise<boolean>;
}

/** Options of {@link TranscriptSink}. */
export interface TranscriptSinkOptions {
  /** Where segments go; defaults to the session recorder (the job's one store). */
  store: TranscriptStore;
  interim: Partial<InterimCaptionsOptions>;
}

/** Segments kept for retry while the database is unreachable. */
const MAX_PENDING = 5000;

/**
 * Publishes segments on the standard `lk.transcription` text-stream topic (sent on behalf of the
 * speaker, with `lk.segment_id`, `lk.transcribed_track_id` and `lk.transcription_final`, so stock
 * LiveKit clients show captions) and stores every finished segment, failed ones included, dated
 * `finalizedAt` by when its text (or its failure) was ready. Segments the database refused are
 * retried with the next one and at close, keeping that date.
 *
 * While a realtime segment is spoken its partial text goes out as interim captions
 * (`lk.transcription_final=false`, throttled by {@link InterimCaptions}, never stored) under the
 * id the final caption will carry. A segment that had interim captions and then fails, or turns
 * out to hold no words, is closed with a final caption of empty text (status `failed` or `ok`),
 * so no interim caption stays live: clients drop a line whose final text is empty.
 */
export class TranscriptSink {
  #ctx: SessionContext;
  #store?: Promise<TranscriptStore | undefined>;
  #pending: TranscriptSegmentInput[] = [];
  #interim: InterimCaptions;
  #log = logger('transcript');

  constructor(ctx: SessionContext, opts: Partial<TranscriptSinkOptions> = {}) {
    this.#ctx = ctx;
    this.#store = opts.store ? Promise.resolve(opts.store) : this.#openStore();
    this.#interim = new InterimCaptions((c) => this.#publish(c), opts.interim);
  }

  /** The partial text of a segment still being spoken (throttled; never stored). */
  interim(id: string, speaker: Speaker, partial: string): void {
    this.#interim.update(id, speaker, partial);
  }

  /** A segment ended without words: its interim caption, if any went out, is closed empty. */
  async discard(id: string, speaker: Speaker): Promise<void> {
    const closing = await this.#interim.final(id, speaker, '', 'ok');
    if (closing) await this.#publish(closing);
  }

  async write(s: TranscriptSegment): Promise<void> {
    const caption = await this.#interim.final(s.id, s.speaker, s.text, s.status);
    if (caption) await this.#publish(caption);
    this.#pending.push({
      id: s.id,
      sessionId: this.#ctx.sessionId,
      speakerIdentity: s.speaker.identity,
      speakerRole: s.speaker.role,
      text: s.text,
      start: s.start,
      end: s.end,
      final: true,
      status: s.status,
      // final (or given up) when its text was ready, however long the database then takes to write it
      finalizedAt: s.readyAt,
    });
    if (this.#pending.length > MAX_PENDING) this.#pending.splice(0, this.#pending.length - MAX_PENDING);
    await this.#flush();
  }

  async close(): Promise<void> {
    await this.#flush();
    if (this.#pending.length)
      this.#log.error({ lost: this.#pending.length }, 'transcript segments could not be stored');
  }

  async #publish(s: Caption): Promise<void> {
    const local = this.#ctx.room.localParticipant;
    if (!local) return;
    try {
      const writer = await local.streamText({
        topic: TRANSCRIPTION_TOPIC,
        senderIdentity: s.speaker.identity,
        attributes: {
          [STANDARD.SEGMENT_ID]: s.id,
          [STANDARD.TRACK_ID]: s.speaker.trackSid,
          [STANDARD.FINAL]: String(s.final),
          [SPEAKER.IDENTITY]: s.speaker.identity,
          [SPEAKER.ROLE]: s.speaker.role,
          [SPEAKER.STATUS]: s.status,
        },
      });
      await writer.write(s.text);
      await writer.close();
    } catch (err) {
      this.#log.warn({ err, segment: s.id, final: s.final }, 'could not publish a transcript segment');
    }
  }

  async #flush(): Promise<void> {
    const store = await this.#store;
    if (!store) {
      this.#pending = [];
      return;
    }
    while (this.#pending.length) {
      const next = this.#pending[0] as TranscriptSegmentInput;
      try {
        await store.insertTranscriptSegment(next);
        this.#pending.shift();
      } catch (err) {
        this.#log.error(
          { err, pending: this.#pending.length },
          'could not store transcript segments; will retry',
        );
        return;
      }
    }
  }

  /** The session's one store (its recorder), when it keeps transcripts. */
  async #openStore(): Promise<TranscriptStore | undefined> {
    const recorder = this.#ctx.recorder;
    if (recorder.insertTranscriptSegment)
      return {
        insertTranscriptSegment: (s) => recorder.insertTranscriptSegment?.(s) ?? Promise.resolve(false),
      };
    this.#log.warn('the session recorder keeps no transcript: segments are published but not stored');
    return undefined;
  }
}
