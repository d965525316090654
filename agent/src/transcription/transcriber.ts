import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Role } from '@interview-helper/protocol';
import type { stt } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import type { AudioDating } from '../analysers/audio-analysis.js';
import type { VoiceActivityModel } from '../audio/silero.js';
import {
  type DetectorEvent,
  type SileroSettings,
  SpeechDetector,
  type SpeechEvent,
} from '../audio/speech.js';
import { TrackClock } from '../audio/track-clock.js';
import { deadline } from '../deadline.js';
import { logger } from '../log.js';
import { isOverload } from './engine.js';
import { type LiveTranscription, type Recognition, StreamLiveTranscription } from './engine-realtime.js';
import { ChunkedTranscription } from './transcriber-chunked.js';
import { LiveFeed } from './transcriber-live.js';

/** Who is speaking on a track. */
export interface Speaker {
  identity: string;
  role: Role;
  trackSid: string;
}

/** One transcribed (or failed) segment of speech. Times are wall-clock ms since the epoch. */
export interface TranscriptSegment {
  id: string;
  speaker: Speaker;
  text: string;
  start: number;
  end: number;
  status: 'ok' | 'failed';
  attempts: number;
  /** When the VAD closed the segment, and when its text was ready (latency = ready − closedAt). */
  closedAt: number;
  readyAt: number;
  error?: string;
}

/** Speech boundaries of one speaker in wall-clock time, for turn taking. */
export type SpeechBoundary = { speaker: Speaker; type: 'start' | 'end'; at: number };

/** Partial text of a segment still being spoken (realtime mode), under the id its final segment will carry. */
export type InterimText = { id: string; speaker: Speaker; text: string };

/** Audio a {@link SpeakerTranscriber} reads, optionally with the front end's voice activity. */
export interface TranscriberSample {
  frame: AudioFrame;
  receivedAt: number;
  analysis?: { dating: AudioDating; speech: readonly SpeechEvent[] };
}

/** Options of {@link SpeakerTranscriber}. */
export interface TranscriberOptions {
  maxAttempts: number;
  /** Time limit of one transcription request. */
  timeoutMs: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Segments waiting for the engine; past it the oldest is given up (stored as failed). */
  maxQueued: number;
  /** Shorter speech is not sent to the engine. */
  minSegmentSeconds: number;
  /** Realtime mode with a batch STT: a pause this long (speech probability below 0.5) cuts a chunk. */
  pauseMs: number;
  /** Realtime mode with a batch STT: speech shorter than this is not decoded alone. */
  minChunkMs: number;
  /**
   * Realtime mode with a batch STT: once this much audio went by without a cut, a pause of only
   * `shortPauseMs` (a gap between words) cuts a chunk, so the audio still to decode when the speaker
   * stops stays short and the final comes soon after the end of a long answer; 0: never.
   */
  longChunkMs: number;
  shortPauseMs: number;
}

export const defaultTranscriberOptions: TranscriberOptions = {
  maxAttempts: 4,
  timeoutMs: 20_000,
  backoffMs: 500,
  maxBackoffMs: 8000,
  maxQueued: 32,
  minSegmentSeconds: 0.3,
  pauseMs: 250,
  minChunkMs: 1500,
  longChunkMs: 4000,
  shortPauseMs: 90,
};

/** Silero settings for cutting speech into STT segments: a longer silence keeps sentences whole. */
export const STT_VAD_SETTINGS: Partial<SileroSettings> = {
  minSilenceDuration: 800,
};

interface Job {
  id: string;
  audio: AudioFrame;
  start: number;
  end: number;
  closedAt: number;
  /** Realtime engines: the segment was streamed while spoken; this is its first attempt. */
  live?: { transcription: LiveTranscription; result: Promise<Recognition> };
}

const MAX_TEXT = 10_000;

/**
 * Transcribes one speaker's track with any agents-js `stt.STT`: Silero VAD cuts the audio into
 * segments of speech, each is transcribed in order with a time limit, retried with exponential
 * backoff (the only retry policy: plugins run with none of their own), and handed to `onSegment`
 * as `ok` or, once the attempts are spent, as `failed` (never dropped silently). The VAD keeps
 * running while the STT is slow or down; an overloaded recognizer (queue full) is reported to
 * `onOverload`. Modes: `batch` sends each whole segment to `recognize`; `realtime` transcribes a
 * segment while it is spoken: a streaming STT gets it on a stream, committed when the VAD ends it;
 * a batch STT gets it in chunks cut at the speaker's short pauses ({@link ChunkedTranscription}).
 * That is the segment's first attempt; retries send the whole segment to `recognize`.
 */
export class SpeakerTranscriber {
  readonly speaker: Speaker;
  #o: TranscriberOptions;
  #stt: stt.STT;
  #mode: 'batch' | 'realtime';
  #onOverload?: (error: string) => void;
  #vad?: VoiceActivityModel;
  #onSegment: (s: TranscriptSegment) => Promise<void>;
  #onBoundary?: (b: SpeechBoundary) => void;
  #onInterim?: (i: InterimText) => void;
  #onDiscard?: (id: string) => Promise<void> | void;
  #queue: Job[] = [];
  #working?: Promise<void>;
  #abort = new AbortController();
  #log = logger('transcriber');

  constructor(opts: {
    speaker: Speaker;
    stt: stt.STT;
    /** `batch` (default): whole segments; `realtime`: transcribed while spoken. */
    mode?: 'batch' | 'realtime';
    /** Silero model; without it the samples must carry the session front end's voice activity. */
    vad?: VoiceActivityModel;
    /** An attempt was refused because the recognizer's queue is full (the segment is retried, then stored failed). */
    onOverload?: (error: string) => void;
    onSegment: (s: TranscriptSegment) => Promise<void>;
    onBoundary?: (b: SpeechBoundary) => void;
    /** Called on every VAD step while a streamed segment is open, with its partial text (throttle downstream). */
    onInterim?: (i: InterimText) => void;
    /** A segment that had begun ended without a transcript segment (too short, no words, track ended). */
    onDiscard?: (id: string) => Promise<void> | void;
    options?: Partial<TranscriberOptions>;
  }) {
    this.speaker = opts.speaker;
    this.#stt = opts.stt;
    this.#mode = opts.mode ?? 'batch';
    this.#onOverload = opts.onOverload;
    this.#vad = opts.vad;
    this.#onSegment = opts.onSegment;
    this.#onBoundary = opts.onBoundary;
    this.#onInterim = opts.onInterim;
    this.#onDiscard = opts.onDiscard;
    this.#o = { ...defaultTranscriberOptions, ...opts.options };
  }

  /**
   * Consumes the track's audio until it ends, then waits for the pending segments. Without a `vad`
   * the speech segments are those the samples carry (`analysis.speech`, from the session's front end).
   */
  async run(samples: AsyncIterable<TranscriberSample>): Promise<void> {
    const clock = new TrackClock();
    /** The front end's dating when the samples carry it, else this track's own clock. */
    let dating: AudioDating = clock;
    let audioMs = 0;
    const feed = this.#mode === 'realtime' ? new LiveFeed(() => this.#live()) : undefined;
    async function* frames(): AsyncIterable<AudioFrame> {
      for await (const { frame, receivedAt } of samples) {
        audioMs += (frame.samplesPerChannel / frame.sampleRate) * 1000;
        clock.observe(receivedAt, audioMs);
        feed?.record(frame);
        yield frame;
      }
    }
    async function* carried(): AsyncIterable<SpeechEvent> {
      for await (const { frame, receivedAt, analysis } of samples) {
        audioMs += (frame.samplesPerChannel / frame.sampleRate) * 1000;
        if (analysis) dating = analysis.dating;
        else clock.observe(receivedAt, audioMs);
        if (frame.samplesPerChannel > 0) feed?.record(frame);
        yield* analysis?.speech ?? [];
      }
    }
    const events: AsyncIterable<DetectorEvent> = this.#vad
      ? new SpeechDetector(this.#vad).run(frames())
      : carried();
    const wall = (ms: number) => Math.round(dating.wallAt(ms));
    let reachedMs = 0;
    let open: string | undefined; // id of the segment being spoken
    let quietSince = -1; // start of the current run of low speech probability, or -1
    let paused = false;
    let cutAtMs = 0; // where the current chunk began: the segment's start or the last pause
    const pauseAfter = (atMs: number) =>
      this.#o.longChunkMs > 0 && atMs - cutAtMs >= this.#o.longChunkMs
        ? this.#o.shortPauseMs
        : this.#o.pauseMs;
    try {
      for await (const e of events) {
        if (e.type === 'skipped') continue; // never without a backlog bound
        if (e.type === 'tick') {
          reachedMs = e.atMs;
          feed?.advance(e.atMs);
          if (e.probability < 0.5) {
            if (quietSince < 0) quietSince = e.atMs;
            if (open && !paused && e.atMs - quietSince >= pauseAfter(quietSince)) {
              paused = true;
              if (quietSince - cutAtMs >= this.#o.minChunkMs) cutAtMs = quietSince; // shorter: no cut
              feed?.pause(quietSince);
            }
          } else {
            if (paused) feed?.resume();
            quietSince = -1;
            paused = false;
          }
          if (open && feed) this.#interim(open, feed.partial);
          continue;
        }
        if (e.type === 'start') {
          if (open) this.#discard(open);
          open = `seg_${randomUUID()}`;
          paused = false;
          cutAtMs = e.atMs;
          feed?.begin(e.atMs, reachedMs);
          this.#onBoundary?.({ speaker: this.speaker, type: 'start', at: wall(e.atMs) });
          continue;
        }
        this.#onBoundary?.({ speaker: this.speaker, type: 'end', at: wall(e.endMs) });
        const transcription = feed?.end(e.endMs);
        const id = open ?? `seg_${randomUUID()}`;
        open = undefined;
        if (!e.audio || (e.endMs - e.startMs) / 1000 < this.#o.minSegmentSeconds) {
          transcription?.close();
          this.#discard(id);
          continue;
        }
        const result = transcription?.finish(this.#attemptSignal());
        result?.catch(() => {}); // awaited (and its failure reported) when the job's turn comes
        this.#enqueue({
          id,
          audio: e.audio,
          start: wall(e.startMs),
          end: wall(e.endMs),
          closedAt: Date.now(),
          ...(transcription && result ? { live: { transcription, result } } : {}),
        });
      }
    } finally {
      feed?.close();
      if (open) this.#discard(open);
    }
    await this.#working;
  }

  /** A live transcription of one segment: a stream for a streaming STT, else chunked decoding. */
  #live(): LiveTranscription {
    if (this.#stt.capabilities.streaming) return new StreamLiveTranscription(this.#stt);
    return new ChunkedTranscription(this.#stt, {
      minChunkMs: this.#o.minChunkMs,
      timeoutMs: this.#o.timeoutMs,
    });
  }

  /** One whole segment: through `recognize`, or on a new stream for a streaming STT in realtime mode. */
  async #recognize(audio: AudioFrame): Promise<Recognition> {
    if (this.#mode === 'realtime' && this.#stt.capabilities.streaming) {
      const live = new StreamLiveTranscription(this.#stt);
      try {
        live.push(audio);
        return await live.finish(this.#attemptSignal());
      } finally {
        live.close();
      }
    }
    const event = await this.#stt.recognize([audio], this.#attemptSignal());
    const first = event.alternatives?.[0];
    if (!first || typeof first.text !== 'string') throw new Error('transcription answer has no text');
    return { text: first.text.trim(), language: first.language };
  }

  /** Hands on a partial text; a failing consumer never stops the VAD. */
  #interim(id: string, text: string): void {
    try {
      this.#onInterim?.({ id, speaker: this.speaker, text });
    } catch (err) {
      this.#log.warn({ err, segment: id }, 'could not deliver an interim transcript');
    }
  }

  #discard(id: string): void {
    Promise.resolve()
      .then(() => this.#onDiscard?.(id))
      .catch((err) => this.#log.error({ err, segment: id }, 'could not discard a segment'));
  }

  #attemptSignal(): AbortSignal {
    return deadline(this.#abort.signal, this.#o.timeoutMs);
  }

  /** Stops retrying: what is still queued is reported as failed. */
  abort(): void {
    this.#abort.abort();
  }

  #enqueue(job: Job): void {
    if (this.#queue.length >= this.#o.maxQueued) {
      const dropped = this.#queue.shift() as Job;
      dropped.live?.transcription.close();
      void this.#emit(dropped, '', 'failed', 0, 'queue full: the engine is too slow');
    }
    this.#queue.push(job);
    this.#working ??= this.#work().finally(() => {
      this.#working = undefined;
    });
  }

  async #work(): Promise<void> {
    for (let job = this.#queue.shift(); job; job = this.#queue.shift()) await this.#process(job);
  }

  async #process(job: Job): Promise<void> {
    let error = '';
    for (let attempt = 1; attempt <= this.#o.maxAttempts && !this.#abort.signal.aborted; attempt++) {
      try {
        const live = attempt === 1 ? job.live : undefined;
        const { text } = live
          ? await live.result.finally(() => live.transcription.close())
          : await this.#recognize(job.audio);
        if (text.length > MAX_TEXT) throw new Error(`implausible transcript of ${text.length} characters`);
        await this.#emit(job, text, 'ok', attempt);
        return;
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        if (isOverload(err)) {
          error = `recognizer queue full: ${error}`;
          this.#onOverload?.(error);
        }
        this.#log.warn(
          { err: error, segment: job.id, attempt, stt: this.#stt.label },
          'transcription failed',
        );
        if (attempt < this.#o.maxAttempts && !this.#abort.signal.aborted) {
          const delay = Math.min(this.#o.maxBackoffMs, this.#o.backoffMs * 2 ** (attempt - 1));
          await sleep(delay, undefined, { signal: this.#abort.signal }).catch(() => {});
        }
      }
    }
    job.live?.transcription.close(); // aborted before its first attempt
    await this.#emit(job, '', 'failed', this.#o.maxAttempts, error || 'aborted');
  }

  async #emit(
    job: Job,
    text: string,
    status: 'ok' | 'failed',
    attempts: number,
    error?: string,
  ): Promise<void> {
    if (status === 'ok' && text === '') return this.#discard(job.id); // noise: nothing was said
    try {
      await this.#onSegment({
        id: job.id,
        speaker: this.speaker,
        text,
        start: job.start,
        end: Math.max(job.start, job.end),
        status,
        attempts,
        closedAt: job.closedAt,
        readyAt: Date.now(),
        ...(error ? { error: error.slice(0, 300) } : {}),
      });
    } catch (err) {
      this.#log.error({ err, segment: job.id }, 'could not deliver a transcript segment');
    }
  }
}
