import {
  CANDIDATE_ONLY_CLIENT_TYPES,
  type ClientMessage,
  decodeClientMessage,
  INTERVIEWER_ONLY_CLIENT_TYPES,
  MAX_CODE_BYTES,
  type Role,
  TOPICS,
} from '@interview-helper/protocol';
import { type RemoteParticipant, type Room, RoomEvent, type TextStreamReader } from '@livekit/rtc-node';
import { logger } from '../log.js';
import { roleOf } from './roles.js';

/** A validated client message and who sent it. */
export interface InboxMessage {
  message: ClientMessage;
  sender: { identity: string; role: Role };
}

/** Options of a {@link ClientInbox}. */
export interface ClientInboxOptions {
  /** Largest text-stream message read, in bytes; longer streams are cut off and dropped. */
  maxStreamBytes: number;
}

export const defaultClientInboxOptions: ClientInboxOptions = { maxStreamBytes: MAX_CODE_BYTES + 4096 };

/** Why a message was dropped, for logs and tests. */
export interface Rejection {
  sender: string;
  code: string;
  detail: string;
}

/**
 * Receives client → agent messages (reliable packets and text streams on the client topic),
 * validates them and checks the sender's role. Anything invalid is logged with its sender and
 * dropped; nothing a client sends can throw out of here.
 */
export class ClientInbox {
  #room: Room;
  #opts: ClientInboxOptions;
  #onMessage: (m: InboxMessage) => void | Promise<void>;
  #onReject?: (r: Rejection) => void;
  #logger = logger('inbox');
  #onData = (payload: Uint8Array, participant?: RemoteParticipant, _kind?: unknown, topic?: string) => {
    if (topic !== TOPICS.CLIENT_TO_AGENT) return;
    this.#accept(payload, participant);
  };

  constructor(
    room: Room,
    handlers: { onMessage: (m: InboxMessage) => void | Promise<void>; onReject?: (r: Rejection) => void },
    opts: Partial<ClientInboxOptions> = {},
  ) {
    this.#room = room;
    this.#opts = { ...defaultClientInboxOptions, ...opts };
    this.#onMessage = handlers.onMessage;
    this.#onReject = handlers.onReject;
  }

  start(): void {
    this.#room.on(RoomEvent.DataReceived, this.#onData);
    this.#room.registerTextStreamHandler(TOPICS.CLIENT_TO_AGENT, (reader, { identity }) => {
      void this.#readStream(reader, identity);
    });
  }

  stop(): void {
    this.#room.off(RoomEvent.DataReceived, this.#onData);
    this.#room.unregisterTextStreamHandler(TOPICS.CLIENT_TO_AGENT);
  }

  async #readStream(reader: TextStreamReader, identity: string): Promise<void> {
    let text = '';
    let bytes = 0;
    try {
      for await (const chunk of reader) {
        bytes += Buffer.byteLength(chunk);
        if (bytes > this.#opts.maxStreamBytes) {
          this.#reject(identity, 'too-large', `text stream exceeds ${this.#opts.maxStreamBytes} bytes`);
          return;
        }
        text += chunk;
      }
    } catch (err) {
      this.#reject(identity, 'stream-error', (err as Error).message);
      return;
    }
    this.#accept(text, this.#room.remoteParticipants.get(identity), identity);
  }

  #accept(
    data: Uint8Array | string,
    participant: RemoteParticipant | undefined,
    identity = participant?.identity,
  ) {
    const who = identity ?? '(unknown)';
    const role = roleOf(participant);
    if (!participant || !role) {
      this.#reject(who, 'unknown-sender', 'sender has no interview role');
      return;
    }
    const result = decodeClientMessage(data);
    if (!result.ok) {
      this.#reject(who, result.error.code, result.error.detail);
      return;
    }
    if (INTERVIEWER_ONLY_CLIENT_TYPES.has(result.message.type) && role !== 'interviewer') {
      this.#reject(who, 'forbidden', `${result.message.type} messages are for interviewers only`);
      return;
    }
    if (CANDIDATE_ONLY_CLIENT_TYPES.has(result.message.type) && role !== 'candidate') {
      this.#reject(who, 'forbidden', `${result.message.type} messages come from the candidate only`);
      return;
    }
    Promise.resolve()
      .then(() => this.#onMessage({ message: result.message, sender: { identity: who, role } }))
      .catch((err) => this.#logger.error({ err, sender: who }, 'client message handler failed'));
  }

  #reject(sender: string, code: string, detail: string): void {
    this.#logger.warn({ sender, code, detail }, 'dropped invalid client message');
    this.#onReject?.({ sender, code, detail });
  }
}
