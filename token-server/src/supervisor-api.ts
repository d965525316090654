import type { AnalysisStatusMessage } from '@interview-helper/protocol';

/** A participant of a room as the supervisor needs it. */
export interface RoomMember {
  identity: string;
  /** An agent job's participant (LiveKit participant kind AGENT). */
  agent: boolean;
  /** The `interview-helper.role` attribute (`candidate`, `interviewer`), if any. */
  role?: string;
}

/** What the supervisor asks of LiveKit (see `supervisor-livekit.ts`). */
export interface AgentRoomApi {
  /** Who is in the room now; an empty list when the room does not exist. */
  listParticipants(roomName: string): Promise<RoomMember[]>;
  /** Dispatches the agent to the room with `metadata`; resolves to the dispatch id. */
  createDispatch(roomName: string, metadata: string): Promise<string>;
  /**
   * The room's dispatch `dispatchId` (without one: the agent's dispatches in the room): whether a worker took it,
   * and when it was made. livekit-server lists a job under a dispatch once a worker has accepted it; one that no
   * worker accepted (none available, all declined) keeps none, and livekit-server does not try it again.
   */
  dispatchState(roomName: string, dispatchId?: string): Promise<DispatchState>;
  /** Removes a participant from the room (a second agent: its job then ends). */
  removeParticipant(roomName: string, identity: string): Promise<void>;
  /** Tells the room's interviewers (`interviewers`) the analysis status, and keeps it in the room metadata. */
  announce(roomName: string, status: AnalysisStatusMessage, interviewers: string[]): Promise<void>;
}

/** A dispatch as the supervisor judges it. */
export interface DispatchState {
  /** A worker took it (or, without a dispatch id, one of the agent's dispatches in the room). */
  taken: boolean;
  /**
   * When it was made, in ms since the epoch by LiveKit's clock; without a dispatch id, the newest of the agent's.
   * Undefined when there is none.
   */
  createdAt?: number;
}

/** Whether a session has ended (then its room is left alone). */
export type SessionEnded = (sessionId: string) => Promise<boolean>;
