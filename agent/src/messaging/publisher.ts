import { type AgentMessage, encodeAgentMessage } from '@interview-helper/protocol';
import type { Room } from '@livekit/rtc-node';
import { logger } from '../log.js';
import { roleOf } from './roles.js';

/** Outcome of one publish. */
export interface PublishResult {
  /** Interviewer identities the message was addressed to; empty when none is in the room. */
  to: string[];
  transport: 'packet' | 'stream' | 'none';
}

/**
 * Sends agent messages to the interviewers in the room, and to nobody else: every message carries
 * `destinationIdentities`. Small messages go as one reliable data packet, larger ones as a text
 * stream on the same topic.
 */
export class InterviewerPublisher {
  #room: Room;
  #logger = logger('publisher');

  constructor(room: Room) {
    this.#room = room;
  }

  /** Identities of the interviewers currently in the room. */
  interviewers(): string[] {
    return [...this.#room.remoteParticipants.values()]
      .filter((p) => roleOf(p) === 'interviewer')
      .map((p) => p.identity);
  }

  /** Validates and sends `message`. Throws only on an invalid message (a programming error). */
  async publish(message: AgentMessage): Promise<PublishResult> {
    const encoded = encodeAgentMessage(message);
    const to = this.interviewers();
    const local = this.#room.localParticipant;
    if (to.length === 0 || !local) return { to, transport: 'none' };
    try {
      if (encoded.transport === 'packet') {
        await local.publishData(encoded.bytes, {
          reliable: true,
          topic: encoded.topic,
          destination_identities: to,
        });
      } else {
        await local.sendText(encoded.text, { topic: encoded.topic, destinationIdentities: to });
      }
    } catch (err) {
      this.#logger.warn({ err, type: message.type }, 'publishing to interviewers failed');
      return { to, transport: 'none' };
    }
    return { to, transport: encoded.transport };
  }
}
