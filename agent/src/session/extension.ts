import type { SignalKind, SignalMessage, StatsMessage } from '@interview-helper/protocol';
import type { Room } from '@livekit/rtc-node';
import type { MediaKind, SignalDraft } from '../analysers/analyser.js';
import type { TurnModel } from '../audio/turn-model.js';
import type { SessionBus } from '../bus/session-bus.js';
import type { InterviewerPublisher } from '../messaging/publisher.js';
import type { SessionRecorder } from './recorder-types.js';

/** What a {@link SessionExtension} gets from the session it runs in. */
export interface SessionContext {
  sessionId: string;
  room: Room;
  /** Sends agent messages to the interviewers only. */
  publisher: InterviewerPublisher;
  /** The job's one store: signals, presence, transcript, hints and the report go here. */
  recorder: SessionRecorder;
  /**
   * The session's events: both speakers' decoded audio and voice activity, answers, signals,
   * transcript segments and client messages. Subscribe here; never decode a track again or poll
   * the database for what another part of the session produced.
   */
  bus: SessionBus;
  /** The session's turn model (the one definition of answers and pauses). */
  turns: Pick<TurnModel, 'watchPause'>;
  /** Identity of the candidate being analysed, if any. */
  candidate(): string | undefined;
  /**
   * Whether a signal kind must not be computed now: the candidate has not consented, or an accommodation
   * switched it off. Extensions check it before computing a candidate signal (absent: nothing is suppressed).
   */
  suppresses?(kind: SignalKind): boolean;
  /** Publishes (to interviewers), stores and dispatches a signal as if an analyser had found it. */
  emitSignal(
    draft: SignalDraft,
    source: { analyser: string; media: MediaKind | 'text' | 'code' },
  ): SignalMessage;
}

/**
 * A capability that follows a whole interview rather than one media track: speech-to-text for both
 * speakers, the hint engine, the session report. It subscribes to the session's bus in `start`; a
 * hook that throws is logged and the session goes on.
 */
export interface SessionExtension {
  readonly name: string;
  /** The signal kinds it emits through {@link SessionContext.emitSignal}. */
  readonly emits?: readonly SignalKind[];
  /** Called once, after the session has started following the room. */
  start?(ctx: SessionContext): void | Promise<void>;
  /** Called once when the session closes (after the last track ended); flush and release everything here. */
  close?(): void | Promise<void>;
  /** Its part of the session's periodic `stats` message (called for each one; must be quick). */
  stats?(): Pick<StatsMessage, 'transcription' | 'storage'>;
}

/** Creates the extensions of one session. */
export type SessionExtensionFactory = () => SessionExtension;
