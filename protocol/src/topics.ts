/**
 * Data-channel topics, named once. Every message of the protocol travels on exactly one of them.
 *
 * - `AGENT_TO_INTERVIEWERS`: signals, hints and stats; addressed to interviewer identities only.
 * - `CLIENT_TO_AGENT`: code-pad updates, hint feedback and settings sent by clients to the agent.
 */
export const TOPICS = {
  AGENT_TO_INTERVIEWERS: 'interview-helper.v1.agent',
  CLIENT_TO_AGENT: 'interview-helper.v1.client',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** Participant attribute that carries the role granted by the token server. */
export const ROLE_ATTRIBUTE = 'interview-helper.role';

/** Participant attributes the agent publishes about its own state. */
export const AGENT_STATE_ATTRIBUTE = 'interview-helper.agent-state';
export const AGENT_CANDIDATE_ATTRIBUTE = 'interview-helper.candidate';
export const AGENT_ANALYSERS_ATTRIBUTE = 'interview-helper.analysers';

/**
 * Largest payload sent as one reliable data packet. LiveKit recommends at most 15 KiB for reliable
 * packets; anything larger goes as a text stream on the same topic.
 */
export const MAX_PACKET_BYTES = 15 * 1024;
