import { type RemoteTrack, TrackKind } from '@livekit/rtc-node';
import type { TrackRun } from '../analysers/runner.js';
import { AudioFrontEnd, type RawAudio } from '../audio/front-end.js';
import type { VoiceActivityModel } from '../audio/silero.js';
import type { SessionBus, Speaker } from '../bus/session-bus.js';
import { logger } from '../log.js';
import { decodeAudio, pumpVideo } from './media.js';

interface LiveTrack {
  abort: AbortController;
  done: Promise<void>;
}

/** Options of {@link SessionTracks}. */
export interface SessionTracksOptions {
  bus: SessionBus;
  /** The Silero model every audio front end runs (loaded once per process). */
  vad: () => Promise<VoiceActivityModel>;
  /** Decodes an audio track (tests replace the room's decoder with recorded audio). */
  decodeAudio: (track: RemoteTrack, signal: AbortSignal) => AsyncIterable<RawAudio>;
  /** How long live audio may wait for Silero before its voice activity is skipped to catch up, ms. */
  vadMaxBacklogMs: number;
}

/** Defaults of {@link SessionTracksOptions}. */
export const defaultSessionTracksOptions = { vadMaxBacklogMs: 5000 } satisfies Partial<SessionTracksOptions>;

/**
 * The decoded tracks of one session, each decoded exactly once: an audio track (candidate or
 * interviewer) goes through its one {@link AudioFrontEnd}, whose analysed chunks feed the
 * candidate's audio analysers and the bus; a video track feeds the candidate's video analysers.
 */
export class SessionTracks {
  #o: SessionTracksOptions;
  #live = new Map<string, LiveTrack>();
  #log = logger('tracks');

  constructor(opts: Pick<SessionTracksOptions, 'bus' | 'vad'> & Partial<SessionTracksOptions>) {
    this.#o = { decodeAudio, ...defaultSessionTracksOptions, ...opts };
  }

  /** Tracks being decoded. */
  get size(): number {
    return this.#live.size;
  }

  /**
   * Starts decoding `track` of `speaker`; `run` gets its samples (the candidate's analysers). `pitch: false`
   * skips the candidate's pitch track (nobody reads it under the delivery accommodation).
   */
  start(track: RemoteTrack, speaker: Speaker, run?: TrackRun, opts: { pitch?: boolean } = {}): void {
    const sid = speaker.trackSid;
    if (this.#live.has(sid)) return;
    const abort = new AbortController();
    const work =
      track.kind === TrackKind.KIND_AUDIO
        ? this.#audio(track, speaker, abort.signal, run, opts.pitch !== false)
        : run
          ? pumpVideo(track, run, abort.signal)
          : Promise.resolve();
    const done = work
      .catch((err) => this.#log.error({ err, track: sid }, 'media pipeline failed'))
      .finally(() => run?.close());
    this.#live.set(sid, { abort, done });
  }

  /** Stops decoding a track and waits until its consumers have finished. */
  async end(sid: string): Promise<void> {
    const live = this.#live.get(sid);
    if (!live) return;
    this.#live.delete(sid);
    live.abort.abort();
    await live.done;
  }

  /** Ends every track. */
  async close(): Promise<void> {
    await Promise.all([...this.#live.keys()].map((sid) => this.end(sid)));
  }

  async #audio(
    track: RemoteTrack,
    speaker: Speaker,
    signal: AbortSignal,
    run: TrackRun | undefined,
    pitch: boolean,
  ): Promise<void> {
    const vad = await this.#o.vad().catch((err) => {
      this.#log.error({ err }, 'Silero could not be loaded: no voice activity on this track');
      return undefined;
    });
    const frontEnd = new AudioFrontEnd({
      speaker,
      bus: this.#o.bus,
      ...(vad ? { vad } : {}),
      speech: { maxBacklogMs: this.#o.vadMaxBacklogMs },
      // Pitch, delivery and filled pauses are the candidate's.
      pitch: speaker.role === 'candidate' && pitch ? {} : false,
    });
    await frontEnd.run(this.#o.decodeAudio(track, signal), run ? (s) => run.push(s) : undefined);
  }
}
