import { type AgentMessage, encodeAgentMessage } from '@interview-helper/protocol';
import type { Room } from '@livekit/rtc-node';
import { logger } from '../log.js';
import { within } from '../within.js';
import { roleOf } from './roles.js';

/** Outcome of one publish. */
export interface PublishResult {
  /** Interviewer identities the message was addressed to; empty when none is in the room. */
  to: string[];
  /** `none`: not sent (nobody to send to, or the send failed). */
  transport: 'packet' | 'stream' | 'none';
}

/** Options of an {@link InterviewerPublisher}. */
export interface InterviewerPublisherOptions {
  /**
   * Longest a message waits for the one before it to be sent. Messages go out one at a time, in the order
   * `publish` was called (the SDK runs concurrent sends in parallel, so a later packet could overtake an earlier
   * one, or a short packet a long text stream); past this wait a stuck send no longer holds the rest back.
   */
  orderWaitMs: number;
}

export const defaultInterviewerPublisherOptions: InterviewerPublisherOptions = { orderWaitMs: 10_000 };

/**
 * Sends agent messages to the interviewers in the room, and to nobody else: every message carries
 * `destinationIdentities`. Small messages go as one reliable data packet, larger ones as a text
 * stream on the same topic. Interviewers receive them in the order they were published.
 */
export class InterviewerPublisher {
  #room: Room;
  #o: InterviewerPublisherOptions;
  /** Settles when the last message handed to `publish` has been sent (or failed). */
  #tail: Promise<unknown> = Promise.resolve();
  #logger = logger('publisher');

  constructor(room: Room, opts: Partial<InterviewerPublisherOptions> = {}) {
    this.#room = room;
    this.#o = { ...defaultInterviewerPublisherOptions, ...opts };
  }

  /** Identities of the interviewers currently in the room. */
  interviewers(): string[] {
    return [...this.#room.remoteParticipants.values()]
      .filter((p) => roleOf(p) === 'interviewer')
      .map((p) => p.identity);
  }

  /**
   * Validates `message` and sends it to every interviewer, after every message published before it (its place in
   * the order is taken when `publish` is called). Rejects only on an invalid message (a programming error).
   */
  async publish(message: AgentMessage): Promise<PublishResult> {
    return this.publishTo(message);
  }

  /**
   * Like {@link publish}, to `identities` only: those of them in the room as interviewers when it is sent (a
   * hint at one detail level, a conduct note to the interviewer it is about). Same order as every other message.
   */
  async publishTo(message: AgentMessage, identities?: readonly string[]): Promise<PublishResult> {
    const encoded = encodeAgentMessage(message);
    const sent = this.#afterPrevious(this.#tail).then(() => this.#send(message, encoded, identities));
    this.#tail = sent;
    return sent;
  }

  /** Resolves when `previous` has settled, or after `orderWaitMs`. */
  async #afterPrevious(previous: Promise<unknown>): Promise<void> {
    if (!(await within(previous, this.#o.orderWaitMs)))
      this.#logger.warn({ waitedMs: this.#o.orderWaitMs }, 'a send is stuck; the next message goes ahead');
  }

  async #send(
    message: AgentMessage,
    encoded: ReturnType<typeof encodeAgentMessage>,
    identities: readonly string[] | undefined,
  ): Promise<PublishResult> {
    const interviewers = this.interviewers();
    const to = identities ? interviewers.filter((who) => identities.includes(who)) : interviewers;
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
