import type { HintMessage, HintWhy, Role, SignalMessage } from '@interview-helper/protocol';
import type { SessionSettings } from './schema.js';

/** Milliseconds since the Unix epoch (as in the protocol), or a `Date`. */
export type Timestamp = number | Date;

/** A session to create; see `InterviewStore.createSession`. */
export interface NewSession {
  /** Defaults to a random UUID. */
  id?: string;
  roomName: string;
  /** SHA-256 hex of each role's invite (see `hashInvite`). */
  candidateInviteHash: string;
  interviewerInviteHash: string;
  settings?: SessionSettings;
  createdAt?: Timestamp;
}

/** A participant joining a session's room. */
export interface JoinRecord {
  sessionId: string;
  identity: string;
  role: Role;
  name?: string;
  at: Timestamp;
}

/**
 * A signal as published on the protocol (`v` and `type` are ignored). Storage keeps whatever kind and flat
 * values it is given: the session validates signals against the catalogue before they get here.
 */
export type SignalInput = Pick<
  SignalMessage,
  'id' | 'sessionId' | 'analyser' | 'media' | 'range' | 'confidence' | 'summary'
> & {
  kind: string;
  values: Record<string, number | string | boolean>;
};

/** A hint as published on the protocol (`v` and `type` are ignored), plus its delivery timeline. */
export type HintInput = Pick<
  HintMessage,
  'id' | 'sessionId' | 'kind' | 'text' | 'evidence' | 'confidence' | 'source' | 'createdAt'
> & {
  triggerSignalId?: string;
  /** When the triggering event happened. */
  triggerAt?: Timestamp;
  /** When the agent decided to give the hint. */
  decidedAt?: Timestamp;
  /** When the LLM's first token arrived (LLM hints). */
  llmFirstTokenAt?: Timestamp;
  publishedAt?: Timestamp;
  recipients?: string[];
  /** Why the hint was given. */
  why?: HintWhy;
};

/** An interviewer's verdict on a hint. */
export interface HintFeedback {
  /** When given, only a hint of this session is updated. */
  sessionId?: string;
  hintId: string;
  useful: boolean;
  at: Timestamp;
}

/** A speech-to-text segment; `final: false` marks an interim result that may still change. */
export interface TranscriptSegmentInput {
  id: string;
  sessionId: string;
  speakerIdentity: string;
  speakerRole: Role;
  text: string;
  start: Timestamp;
  end: Timestamp;
  final: boolean;
  status?: 'ok' | 'failed';
  /**
   * When the segment became final (e.g. when its text, or its failure, was known); the time of the write when
   * left out. Only a final version records it: interim versions ignore it.
   */
  finalizedAt?: Timestamp;
}

/** Paging of the `list…` queries. */
export interface ListOptions {
  /** Most rows returned (default 1000, at most 10 000). */
  limit?: number;
}
