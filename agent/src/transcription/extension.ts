import type { SignalKind, StatsMessage } from '@interview-helper/protocol';
import type { AudioSample } from '../analysers/analyser.js';
import { AUDIO_CHUNK_MS } from '../analysers/audio-analysis.js';
import { SampleQueue } from '../analysers/sample-queue.js';
import type { Speaker } from '../bus/session-bus.js';
import { logger } from '../log.js';
import type { SessionContext, SessionExtension } from '../session/extension.js';
import { createStt, LocalRecognizerSTT, type SttChoice } from './engine.js';
import { TranscriptionHealth } from './health.js';
import { sttSegments } from './segments.js';
import type { AudioSettings } from './settings.js';
import { TranscriptSink, type TranscriptStore } from './sink.js';
import { SpeechRateTracker } from './speech-rate.js';
import { SpeakerTranscriber, STT_VAD_SETTINGS, type TranscriberOptions } from './transcriber.js';

/** Options of {@link TranscriptionExtension}. */
export interface TranscriptionOptions {
  /** Engine and retry settings (from the agent configuration); without them speech-to-text is off. */
  settings?: AudioSettings;
  /** STT (any agents-js `stt.STT`) and mode to use instead of the ones the settings name. */
  stt?: SttChoice;
  /** Where segments are stored; defaults to the session's recorder. */
  store?: TranscriptStore;
  /** Postgres URL the segments are stored in when neither `store` nor the recorder takes them. */
  databaseUrl?: string;
  transcriber?: Partial<TranscriberOptions>;
  /** Transcribe the interviewers too (the session decodes their microphones). */
  interviewers: boolean;
  /** How often the shared local recognizer's stats (queue, memory) are read for the session's stats. */
  recognizerStatsEveryMs: number;
}

/** Audio chunks of one track waiting for its transcriber: a minute. */
const QUEUE_CHUNKS = Math.ceil(60_000 / AUDIO_CHUNK_MS);

interface Live {
  queue: SampleQueue<AudioSample>;
  transcriber: SpeakerTranscriber;
  done: Promise<void>;
}

/**
 * Speech-to-text for both speakers. It decodes nothing: the session's audio front end of each
 * track (candidate and interviewers) hands its chunks and Silero speech segments over the bus;
 * segments closer than the STT silence are transcribed together by the configured engine,
 * published on `lk.transcription` with the standard attributes, stored speaker-labelled, and put
 * on the bus as `transcript` events (the hints read them there). Also reports per candidate
 * segment its speaking rate and filler words. Its part of the session's `stats` message says whether the
 * transcript keeps up (a full recognizer queue shows as `delayed`) with the shared recognizer's queue and memory.
 */
export class TranscriptionExtension implements SessionExtension {
  readonly name = 'transcription';
  readonly emits = [
    'overlap',
    'long-pause',
    'speech-rate',
    'talk-time',
  ] as const satisfies readonly SignalKind[];
  #o: TranscriptionOptions;
  #log = logger('transcription');
  #engine?: SttChoice;
  #sink?: TranscriptSink;
  #rates?: SpeechRateTracker;
  #live = new Map<string, Live>();
  #off: (() => void)[] = [];
  #health?: TranscriptionHealth;
  #poll?: NodeJS.Timeout;

  constructor(opts: Partial<TranscriptionOptions> = {}) {
    this.#o = { interviewers: true, recognizerStatsEveryMs: 5000, ...opts };
  }

  /** Whether the transcript keeps up, and the shared recognizer's queue and memory (engine `local`). */
  stats(): Pick<StatsMessage, 'transcription'> {
    return this.#health ? { transcription: this.#health.status() } : {};
  }

  /** Reads the local recognizer's `GET /stats` now and then (one read at a time; a read costs no decoding). */
  #watchRecognizer(stt: LocalRecognizerSTT, health: TranscriptionHealth): void {
    let reading = false;
    const read = () => {
      if (reading) return;
      reading = true;
      stt
        .recognizerStats()
        .then(
          (s) => {
            if (s) health.recognizer(s);
          },
          () => health.recognizer(undefined),
        )
        .finally(() => {
          reading = false;
        });
    };
    read();
    this.#poll = setInterval(read, this.#o.recognizerStatsEveryMs);
    this.#poll.unref();
  }

  start(ctx: SessionContext): void {
    const settings = this.#o.settings;
    if (!settings) {
      this.#log.info('speech-to-text is off: no settings given');
      return;
    }
    this.#engine = this.#o.stt ?? createStt(settings);
    if (!this.#engine) {
      this.#log.info('speech-to-text is off (STT_ENGINE=none); set STT_ENGINE=local or openai to transcribe');
      return;
    }
    this.#sink = new TranscriptSink(ctx, this.#o.store ? { store: this.#o.store } : {});
    this.#health = new TranscriptionHealth({ engine: this.#engine.name });
    if (this.#engine.stt instanceof LocalRecognizerSTT) this.#watchRecognizer(this.#engine.stt, this.#health);
    const rates = new SpeechRateTracker((d) => ctx.emitSignal(d, { analyser: 'turns', media: 'audio' }));
    this.#rates = rates;
    const bus = ctx.bus;
    this.#off = [
      bus.on('track-start', (e) => this.#follow(ctx, e.speaker)),
      bus.on('audio', (e) => this.#live.get(e.speaker.trackSid)?.queue.push(e.sample)),
      bus.on('track-end', (e) => this.#live.get(e.speaker.trackSid)?.queue.close()),
      // The delivery analyser's acoustic filled pauses ("um", "uh") join the transcript's filler counts.
      bus.on('signal', ({ signal }) => {
        if (signal.kind === 'filled-pause') rates.filledPause(signal.range);
      }),
    ];
    this.#log.info({ engine: this.#engine.name, mode: this.#engine.mode }, 'transcribing both speakers');
  }

  async close(): Promise<void> {
    clearInterval(this.#poll);
    for (const off of this.#off) off();
    await Promise.all([...this.#live.keys()].map((sid) => this.#stop(sid)));
    await this.#engine?.stt.close();
    await this.#sink?.close();
  }

  #follow(ctx: SessionContext, speaker: Speaker): void {
    const settings = this.#o.settings;
    const engine = this.#engine;
    const sink = this.#sink;
    if (!settings || !engine || !sink || this.#live.has(speaker.trackSid)) return;
    if (speaker.role === 'interviewer' && !this.#o.interviewers) return;
    const queue = new SampleQueue<AudioSample>({ capacity: QUEUE_CHUNKS });
    const transcriber = new SpeakerTranscriber({
      speaker,
      stt: engine.stt,
      mode: engine.mode,
      onOverload: (error) => {
        this.#health?.refused();
        this.#log.warn({ speaker: speaker.identity, error }, 'speech recognizer overloaded (queue full)');
      },
      onSegment: async (s) => {
        this.#health?.segment(s.status, s.error);
        if (!ctx.suppresses?.('speech-rate')) this.#rates?.segment(s);
        if (s.status === 'ok')
          ctx.bus.emit({
            type: 'transcript',
            segment: {
              id: s.id,
              speaker: s.speaker,
              text: s.text,
              start: s.start,
              end: s.end,
              status: s.status,
            },
          });
        await sink.write(s);
      },
      onInterim: (i) => sink.interim(i.id, i.speaker, i.text),
      onDiscard: (id) => sink.discard(id, speaker),
      options: { maxAttempts: settings.maxAttempts, timeoutMs: settings.timeoutMs, ...this.#o.transcriber },
    });
    const minSilenceMs = settings.endSilenceMs ?? STT_VAD_SETTINGS.minSilenceDuration;
    const done = transcriber
      .run(sttSegments(queue, minSilenceMs ? { minSilenceMs } : {}))
      .catch((err) => this.#log.error({ err, track: speaker.trackSid }, 'transcription pipeline failed'));
    const live = { queue, transcriber, done };
    this.#live.set(speaker.trackSid, live);
    void done.then(() => {
      if (this.#live.get(speaker.trackSid) === live) this.#live.delete(speaker.trackSid);
    });
    this.#log.info({ speaker }, 'transcribing track');
  }

  async #stop(sid: string): Promise<void> {
    const live = this.#live.get(sid);
    if (!live) return;
    this.#live.delete(sid);
    live.queue.close();
    // Pending segments get a few seconds to finish, then are stored as failed.
    const grace = setTimeout(() => live.transcriber.abort(), 5000);
    await live.done;
    clearTimeout(grace);
  }
}
