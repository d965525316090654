import { AGENT_CANDIDATE_ATTRIBUTE, AGENT_STATE_ATTRIBUTE, ROLE_ATTRIBUTE } from '@interview-helper/protocol';
import { ParticipantKind, type RemoteParticipant, type Room } from 'livekit-client';

/** The agent: an agent-kind participant, or one that publishes the agent state attribute. */
export function findAgent(room: Room): RemoteParticipant | undefined {
  return [...room.remoteParticipants.values()].find(
    (p) => p.kind === ParticipantKind.AGENT || p.attributes[AGENT_STATE_ATTRIBUTE] !== undefined,
  );
}

/** The candidate: the one the agent analyses, else the first participant whose role attribute says so. */
export function findCandidate(room: Room): RemoteParticipant | undefined {
  const chosen = findAgent(room)?.attributes[AGENT_CANDIDATE_ATTRIBUTE];
  const participants = [...room.remoteParticipants.values()];
  return (
    (chosen ? participants.find((p) => p.identity === chosen) : undefined) ??
    participants.find((p) => p.attributes[ROLE_ATTRIBUTE] === 'candidate')
  );
}
