import type { SignalKind, SignalMessage } from '@interview-helper/protocol';
import type { RemoteParticipant, RemoteTrack, Room } from '@livekit/rtc-node';
import type { MediaKind, SignalDraft } from '../analysers/analyser.js';
import type { InboxMessage } from '../messaging/inbox.js';
import type { InterviewerPublisher } from '../messaging/publisher.js';
import type { SessionRecorder } from './recorder-types.js';

/** What a {@link SessionExtension} gets from the session it runs in. */
export interface SessionContext {
  sessionId: string;
  room: Room;
  /** Sends agent messages to the interviewers only. */
  publisher: InterviewerPublisher;
  recorder: SessionRecorder;
  /** Identity of the candidate being analysed, if any. */
  candidate(): string | undefined;
  /** Publishes (to interviewers), stores and dispatches a signal as if an analyser had found it. */
  emitSignal(
    draft: SignalDraft,
    source: { analyser: string; media: MediaKind | 'text' | 'code' },
  ): SignalMessage;
}

/**
 * A capability that follows a whole interview rather than one media track: speech-to-text for both
 * speakers, the hint engine, the session report. The session calls the hooks it implements; a hook
 * that throws is logged and the session goes on.
 */
export interface SessionExtension {
  readonly name: string;
  /** The signal kinds it emits through {@link SessionContext.emitSignal}. */
  readonly emits?: readonly SignalKind[];
  /** Called once, after the session has started following the room. */
  start?(ctx: SessionContext): void | Promise<void>;
  /** Every signal of the session (analysers' and other extensions'), after it was published. */
  onSignal?(signal: SignalMessage): void | Promise<void>;
  /** Every valid client message (role already checked). */
  onClientMessage?(message: InboxMessage): void | Promise<void>;
  /** A media track of the candidate started (`onCandidateTrackEnded` follows when it ends). */
  onCandidateTrack?(track: RemoteTrack, participant: RemoteParticipant): void | Promise<void>;
  onCandidateTrackEnded?(trackSid: string): void | Promise<void>;
  /** Called once when the session closes; flush and release everything here. */
  close?(): void | Promise<void>;
}

/** Creates the extensions of one session. */
export type SessionExtensionFactory = () => SessionExtension;
