import type { SignalMessage } from '@interview-helper/protocol';
import type { VAD } from '@livekit/agents';
import { AudioStream, type RemoteParticipant, type RemoteTrack, TrackKind } from '@livekit/rtc-node';
import { loadSilero } from '../audio/speech.js';
import { logger } from '../log.js';
import type { SessionContext, SessionExtension } from '../session/extension.js';
import { createStt, type SttChoice } from './engine.js';
import { InterviewerAudio } from './interviewer-audio.js';
import { type AudioSettings, audioSettingsFromEnv } from './settings.js';
import { TranscriptSink, type TranscriptStore } from './sink.js';
import {
  type Speaker,
  SpeakerTranscriber,
  STT_VAD_SETTINGS,
  type TranscriberOptions,
} from './transcriber.js';
import { TurnTracker } from './turns.js';

/** Options of {@link TranscriptionExtension}; everything defaults from the environment. */
export interface TranscriptionOptions {
  /** Undefined when the environment is invalid: the extension then logs why and stays off. */
  settings?: AudioSettings;
  /** STT (any agents-js `stt.STT`) and mode to use instead of the ones the settings name. */
  stt?: SttChoice;
  /** Where segments are stored; defaults to the session recorder or `DATABASE_URL`. */
  store?: TranscriptStore;
  transcriber?: Partial<TranscriberOptions>;
  /** Listen to the interviewers too (needs LiveKit API credentials in the environment). */
  interviewers: boolean;
}

interface Live {
  abort: AbortController;
  transcriber?: SpeakerTranscriber;
  done?: Promise<void>;
}

/** Reads a track as 16 kHz mono until it ends or `signal` aborts. */
async function* audioOf(track: RemoteTrack, signal: AbortSignal) {
  const reader = new AudioStream(track, { sampleRate: 16000, numChannels: 1 }).getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', cancel, { once: true });
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) return;
      yield { frame: value, receivedAt: Date.now() };
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    reader.releaseLock();
  }
}

/**
 * Speech-to-text for both speakers: the candidate's microphone (from the session) and every
 * interviewer's (over a hidden listener connection), each cut into segments by Silero VAD,
 * transcribed by the configured engine, published on `lk.transcription` with the standard
 * attributes and stored, speaker-labelled. Also reports turn taking (long pause after a question,
 * overlaps, talk time) and per-segment speaking rate and filler words.
 */
export class TranscriptionExtension implements SessionExtension {
  readonly name = 'transcription';
  #o: TranscriptionOptions;
  #log = logger('transcription');
  #engine?: SttChoice;
  #vad?: Promise<VAD>;
  #sink?: TranscriptSink;
  #turns?: TurnTracker;
  #listener?: InterviewerAudio;
  #live = new Map<string, Live>();

  #settingsError?: string;

  constructor(opts: Partial<TranscriptionOptions> = {}) {
    let settings = opts.settings;
    try {
      settings ??= audioSettingsFromEnv();
    } catch (err) {
      this.#settingsError = err instanceof Error ? err.message : String(err);
    }
    this.#o = { interviewers: true, ...opts, settings };
  }

  async start(ctx: SessionContext): Promise<void> {
    const settings = this.#o.settings;
    if (!settings) {
      this.#log.error({ error: this.#settingsError }, 'transcription is off: invalid configuration');
      return;
    }
    this.#engine = this.#o.stt ?? createStt(settings);
    if (!this.#engine) {
      this.#log.info('speech-to-text is off (STT_ENGINE=none); set STT_ENGINE=local or openai to transcribe');
      return;
    }
    this.#vad = loadSilero(STT_VAD_SETTINGS);
    this.#sink = new TranscriptSink(ctx, this.#o.store);
    this.#turns = new TurnTracker((d) => ctx.emitSignal(d, { analyser: 'turns', media: 'audio' }), {
      longPauseSeconds: settings.longPauseSeconds,
    });
    this.#log.info({ engine: this.#engine.name, mode: this.#engine.mode }, 'transcribing both speakers');
    if (this.#o.interviewers) this.#listen(ctx);
  }

  onCandidateTrack(track: RemoteTrack, p: RemoteParticipant): void {
    if (track.kind === TrackKind.KIND_AUDIO)
      this.#follow(track, { identity: p.identity, role: 'candidate', trackSid: track.sid as string });
  }

  /** The delivery analyser's acoustic filled pauses ("um", "uh") join the transcript's filler counts. */
  onSignal(signal: SignalMessage): void {
    if (signal.kind === 'filled-pause') this.#turns?.filledPause(signal.range);
  }

  async onCandidateTrackEnded(sid: string): Promise<void> {
    await this.#stop(sid);
  }

  async close(): Promise<void> {
    this.#listener?.close();
    await Promise.all([...this.#live.keys()].map((sid) => this.#stop(sid)));
    this.#turns?.close();
    await this.#engine?.stt.close();
    await this.#sink?.close();
  }

  #listen(ctx: SessionContext): void {
    this.#listener = new InterviewerAudio({
      onTrack: (track, p) =>
        this.#follow(track, { identity: p.identity, role: 'interviewer', trackSid: track.sid as string }),
      onTrackEnded: (sid) => void this.#stop(sid),
    });
    this.#listener.start(ctx.room);
  }

  #follow(track: RemoteTrack, speaker: Speaker): void {
    const settings = this.#o.settings;
    const engine = this.#engine;
    const vad = this.#vad;
    const sink = this.#sink;
    if (!settings || !engine || !vad || !sink || this.#live.has(speaker.trackSid)) return;
    const live: Live = { abort: new AbortController() };
    const done = vad.then(async (v) => {
      const transcriber = new SpeakerTranscriber({
        speaker,
        stt: engine.stt,
        mode: engine.mode,
        vad: v,
        onOverload: (error) =>
          this.#log.warn({ speaker: speaker.identity, error }, 'speech recognizer overloaded (queue full)'),
        onSegment: async (s) => {
          this.#turns?.segment(s);
          await sink.write(s);
        },
        onBoundary: (b) => this.#turns?.boundary(b),
        onInterim: (i) => sink.interim(i.id, i.speaker, i.text),
        onDiscard: (id) => sink.discard(id, speaker),
        options: {
          maxAttempts: settings.maxAttempts,
          timeoutMs: settings.timeoutMs,
          ...this.#o.transcriber,
        },
      });
      live.transcriber = transcriber;
      await transcriber.run(audioOf(track, live.abort.signal));
    });
    live.done = done.catch((err) =>
      this.#log.error({ err, track: speaker.trackSid }, 'transcription pipeline failed'),
    );
    this.#live.set(speaker.trackSid, live);
    this.#log.info({ speaker }, 'transcribing track');
  }

  async #stop(sid: string): Promise<void> {
    const live = this.#live.get(sid);
    if (!live) return;
    this.#live.delete(sid);
    live.abort.abort();
    // Pending segments get a few seconds to finish, then are stored as failed.
    const grace = setTimeout(() => live.transcriber?.abort(), 5000);
    await live.done;
    clearTimeout(grace);
  }
}
