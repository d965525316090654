import type { AudioGapReason, Role, SignalMessage, StageLatency } from '@interview-helper/protocol';
import type { AudioSample } from '../analysers/analyser.js';
import type { InboxMessage } from '../messaging/inbox.js';

/** Who is speaking on an audio track. */
export interface Speaker {
  identity: string;
  role: Role;
  trackSid: string;
}

/** A final transcript segment as the transcription publishes it (times are wall-clock ms). */
export interface TranscriptEvent {
  id: string;
  speaker: Speaker;
  text: string;
  start: number;
  end: number;
  status: 'ok' | 'failed';
}

/** Why an answer ended. */
export type AnswerEndReason = 'gap' | 'interviewer' | 'end';

/**
 * Everything that flows inside one session, as a typed union on `type`. Times are wall-clock ms.
 *
 * - `track-start` / `track-end`: an audio track of a speaker is decoded by the session's front end
 *   (`at`: wall-clock time of its first sample).
 * - `audio`: one decoded 16 kHz mono chunk of a track, with the front end's shared analysis.
 * - `speech-start` / `speech-end` / `vad`: Silero voice activity of one speaker (run once per track).
 * - `audio-lost`: audio of a track from `from` to `to` was not analysed: it never reached the agent (`lost`:
 *   its process fell behind its receive queues), or its voice activity was skipped to catch up (`skipped`):
 *   neither speech nor silence. It goes out in voice-activity order: before the first voice-activity event
 *   about audio after the gap.
 * - `answer-start` / `answer-end`: the candidate's answers as the session's turn model defines them.
 * - `transcript`: a final transcript segment (either speaker).
 * - `signal`: a signal after it was published to the interviewers.
 * - `client-message`: a validated client message (role and size already checked).
 * - `hint-sent`: a hint reached its first interviewers (`triggerAt`: its triggering event).
 * - `processing`: the latency of each processing stage so far (the job's metrics, every few seconds).
 */
export type SessionEvent =
  | { type: 'track-start'; speaker: Speaker; at: number }
  | { type: 'track-end'; speaker: Speaker }
  | { type: 'audio'; speaker: Speaker; sample: AudioSample }
  | { type: 'speech-start'; speaker: Speaker; at: number }
  | { type: 'speech-end'; speaker: Speaker; start: number; end: number }
  | { type: 'vad'; speaker: Speaker; at: number; speaking: boolean }
  | { type: 'audio-lost'; speaker: Speaker; from: number; to: number; reason: AudioGapReason }
  | { type: 'answer-start'; at: number }
  | { type: 'answer-end'; start: number; end: number; speechSeconds: number; reason: AnswerEndReason }
  | { type: 'transcript'; segment: TranscriptEvent }
  | { type: 'signal'; signal: SignalMessage }
  | { type: 'client-message'; message: InboxMessage }
  | { type: 'hint-sent'; hintId: string; trigger: string; triggerAt: number; sentAt: number }
  | { type: 'processing'; stages: StageLatency };

/** The event of one `type`. */
export type SessionEventOf<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>;

type Listener<T extends SessionEvent['type']> = (event: SessionEventOf<T>) => void;

/**
 * The in-process event bus of one session: the media front ends, the turn model, the analysers'
 * signals, the transcription and the client inbox publish here; extensions subscribe instead of
 * decoding audio or reading the database. Delivery is synchronous and in subscription order; a
 * listener that throws is reported to `onError` and never stops the others or the publisher.
 */
export class SessionBus {
  #listeners = new Map<SessionEvent['type'], Set<(e: never) => void>>();
  #onError: (err: unknown, event: SessionEvent) => void;

  constructor(onError: (err: unknown, event: SessionEvent) => void = () => {}) {
    this.#onError = onError;
  }

  /** Subscribes to one type of event; returns the unsubscribe function. */
  on<T extends SessionEvent['type']>(type: T, listener: Listener<T>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    const fn = listener as (e: never) => void;
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Delivers `event` to every listener of its type. */
  emit(event: SessionEvent): void {
    const set = this.#listeners.get(event.type);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as (e: SessionEvent) => void)(event);
      } catch (err) {
        this.#onError(err, event);
      }
    }
  }

  /** Listeners of `type` (for tests and diagnostics). */
  listeners(type: SessionEvent['type']): number {
    return this.#listeners.get(type)?.size ?? 0;
  }
}
