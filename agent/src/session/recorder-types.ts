import type { Role, SignalMessage } from '@interview-helper/protocol';

/** Where a session keeps what it observes. Implementations must not throw for bad data. */
export interface SessionRecorder {
  presence(e: { identity: string; name: string; role: Role; joined: boolean; at: Date }): Promise<void>;
  signals(signals: SignalMessage[]): Promise<void>;
  hintFeedback(hintId: string, useful: boolean, at: Date): Promise<boolean>;
  /** The session's settings as stored (e.g. `allowOptOut`); `{}` when unknown. */
  settings?(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}
