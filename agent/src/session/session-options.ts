import type { Accommodation, OptOutGroup, SignalKind } from '@interview-helper/protocol';
import type { RemoteTrack, Room } from '@livekit/rtc-node';
import type { AnalyserFactory } from '../analysers/analyser.js';
import type { AnalyserProbe } from '../analysers/runner.js';
import type { RawAudio } from '../audio/front-end.js';
import type { VoiceActivityModel } from '../audio/silero.js';
import { loadSilero } from '../audio/speech.js';
import type { TurnModelOptions } from '../audio/turn-model.js';
import type { ClientInboxOptions } from '../messaging/inbox.js';
import type { SessionExtensionFactory } from './extension.js';
import { decodeAudio, type VideoDimensions } from './media.js';
import type { SessionRecorder } from './recorder-types.js';
import { defaultSessionTracksOptions } from './tracks.js';

/** Agent state published as a participant attribute. */
export type AgentState =
  | 'starting'
  | 'waiting-for-candidate'
  | 'waiting-for-consent'
  | 'analysing'
  | 'closing';

/** Signal kinds the session itself emits (a second candidate, the candidate's opt-out notice). */
export const SESSION_SIGNAL_KINDS = ['extra-candidate', 'opt-out'] as const satisfies readonly SignalKind[];

/** Options of an {@link InterviewSession}. */
export interface InterviewSessionOptions {
  sessionId: string;
  room: Room;
  analysers: AnalyserFactory[];
  recorder: SessionRecorder;
  /** Whole-session capabilities (speech-to-text, hints, …); see {@link SessionExtension}. */
  extensions: SessionExtensionFactory[];
  /** How often stats go to interviewers and the analysers attribute is refreshed. */
  statsIntervalMs: number;
  /** Size asked of the SFU for the candidate's camera (default 640×360). */
  videoDimensions?: VideoDimensions;
  /** The turn model's thresholds (long pause, answer gap). */
  turns: Partial<TurnModelOptions>;
  /** Decode the interviewers' microphones too (turn taking, their transcript). */
  interviewerAudio: boolean;
  /** The Silero model of every audio front end. */
  vad: () => Promise<VoiceActivityModel>;
  /**
   * How long audio may wait for Silero before its voice activity is skipped so that the analysis catches up with
   * the present (the stretch becomes an `audio-gap`), ms.
   */
  vadMaxBacklogMs: number;
  /** Decodes an audio track once (the room's decoder; tests hand in recorded audio). */
  decodeAudio: (track: RemoteTrack, signal: AbortSignal) => AsyncIterable<RawAudio>;
  /**
   * Whether nothing of the candidate is analysed before they consent (see `consent/`). Always on in the agent;
   * unit tests of other parts switch it off.
   */
  requireConsent: boolean;
  /** Bounds of the client-message inbox (rate per sender, stream size and time). */
  inbox?: Partial<ClientInboxOptions>;
  /** The analysers of a candidate with accommodations (default: `analysers` without the suppressed ones). */
  accommodate?: (accommodations: readonly Accommodation[]) => AnalyserFactory[];
  /** Watches the analysers' processing time, queues and lag (the job's metrics). */
  probe?: AnalyserProbe;
  /** State a resumed session restores from storage (`recovery/`): the candidate's opt-out groups. */
  restore?: { optOutGroups: readonly OptOutGroup[] };
}

/** Defaults of {@link InterviewSessionOptions}. */
export const defaultInterviewSessionOptions = {
  statsIntervalMs: 2000,
  extensions: [] as SessionExtensionFactory[],
  turns: {},
  interviewerAudio: true,
  requireConsent: true,
  vad: () => loadSilero(),
  decodeAudio,
  vadMaxBacklogMs: defaultSessionTracksOptions.vadMaxBacklogMs,
} satisfies Partial<InterviewSessionOptions>;
