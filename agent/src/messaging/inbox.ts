import {
  CANDIDATE_ONLY_CLIENT_TYPES,
  type ClientMessage,
  decodeClientMessage,
  INTERVIEWER_ONLY_CLIENT_TYPES,
  type InboxRejectionCode,
  type InboxStats,
  MAX_CODE_BYTES,
  type Role,
  TOPICS,
} from '@interview-helper/protocol';
import { type RemoteParticipant, type Room, RoomEvent, type TextStreamReader } from '@livekit/rtc-node';
import { logger } from '../log.js';
import { SenderRateLimit, type SenderRateLimitOptions } from './rate-limit.js';
import { RejectionLog, type RejectionLogOptions } from './rejection-log.js';
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
  /** A text stream with no chunk for this long is given up (its sender may never finish it). */
  streamIdleMs: number;
  /** A text stream not finished after this long is given up, however steadily it trickles. */
  streamMaxMs: number;
  /** Text streams one sender may have open at once; more are refused. */
  maxStreamsPerSender: number;
  /** Text streams open at once from everyone; more are refused. */
  maxStreams: number;
  /** Messages per sender (packets and streams together) before any decoding: see {@link SenderRateLimit}. */
  rate: Partial<SenderRateLimitOptions>;
  /** How rejections are logged: see {@link RejectionLog}. */
  log: Partial<RejectionLogOptions>;
}

export const defaultClientInboxOptions: ClientInboxOptions = {
  maxStreamBytes: MAX_CODE_BYTES + 4096,
  streamIdleMs: 10_000,
  streamMaxMs: 60_000,
  maxStreamsPerSender: 8,
  maxStreams: 32,
  rate: {},
  log: {},
};

/** Why a message was dropped, for logs and tests. */
export interface Rejection {
  sender: string;
  code: InboxRejectionCode;
  detail: string;
}

/**
 * Receives client → agent messages (reliable packets and text streams on the client topic),
 * validates them and checks the sender's role. Anything invalid is counted, logged with its sender
 * (a few lines per window, then a summary) and dropped; nothing a client sends can throw out of
 * here. A sender over its rate, a stream over its size, time or the open-stream bound is dropped
 * before it costs more than a counter.
 */
export class ClientInbox {
  #room: Room;
  #opts: ClientInboxOptions;
  #onMessage: (m: InboxMessage) => void | Promise<void>;
  #onReject?: (r: Rejection) => void;
  #logger = logger('inbox');
  #log: RejectionLog;
  #rate: SenderRateLimit;
  #open = new Map<string, number>();
  #openTotal = 0;
  #onData = (payload: Uint8Array, participant?: RemoteParticipant, _kind?: unknown, topic?: string) => {
    try {
      if (topic !== TOPICS.CLIENT_TO_AGENT) {
        this.#log.otherTopic(topic);
        return;
      }
      this.#log.received();
      const who = participant?.identity ?? '(unknown)';
      if (!this.#rate.take(who)) {
        this.#reject(who, 'rate-limited', 'sender is over its message rate');
        return;
      }
      this.#accept(payload, participant);
    } catch (err) {
      this.#logger.error({ err }, 'client packet handling failed');
    }
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
    this.#log = new RejectionLog(this.#logger, this.#opts.log);
    this.#rate = new SenderRateLimit(this.#opts.rate);
  }

  start(): void {
    this.#room.on(RoomEvent.DataReceived, this.#onData);
    this.#room.registerTextStreamHandler(TOPICS.CLIENT_TO_AGENT, (reader, { identity }) => {
      this.#readStream(reader, identity).catch((err) =>
        this.#logger.error({ err, sender: identity }, 'client stream handling failed'),
      );
    });
  }

  stop(): void {
    this.#room.off(RoomEvent.DataReceived, this.#onData);
    this.#room.unregisterTextStreamHandler(TOPICS.CLIENT_TO_AGENT);
  }

  /** What was received, accepted and rejected so far (for the session's stats message). */
  stats(): InboxStats {
    return this.#log.stats(this.#openTotal);
  }

  async #readStream(reader: TextStreamReader, identity: string): Promise<void> {
    this.#log.received();
    const close = () => void Promise.resolve(reader.close?.()).catch(() => {});
    if (!this.#rate.take(identity)) {
      close();
      this.#reject(identity, 'rate-limited', 'sender is over its message rate');
      return;
    }
    const declared = reader.info?.totalSize;
    if (declared !== undefined && declared > this.#opts.maxStreamBytes) {
      close();
      this.#reject(identity, 'too-large', `text stream announces ${declared} bytes`);
      return;
    }
    const open = this.#open.get(identity) ?? 0;
    if (open >= this.#opts.maxStreamsPerSender || this.#openTotal >= this.#opts.maxStreams) {
      close();
      this.#reject(identity, 'too-many-streams', `${open} streams of this sender already open`);
      return;
    }
    this.#open.set(identity, open + 1);
    this.#openTotal++;
    try {
      const text = await this.#readText(reader, identity, close);
      if (text !== undefined) this.#accept(text, this.#room.remoteParticipants.get(identity), identity);
    } finally {
      this.#openTotal--;
      const left = (this.#open.get(identity) ?? 1) - 1;
      if (left > 0) this.#open.set(identity, left);
      else this.#open.delete(identity);
    }
  }

  /** The stream's text, or undefined when it was rejected (too large, errored, too slow). */
  async #readText(
    reader: TextStreamReader,
    identity: string,
    close: () => void,
  ): Promise<string | undefined> {
    let text = '';
    let bytes = 0;
    let timedOut: string | undefined;
    let idle: NodeJS.Timeout | undefined;
    const giveUp = (why: string) => {
      timedOut = why;
      close();
    };
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => giveUp(`no chunk for ${this.#opts.streamIdleMs} ms`), this.#opts.streamIdleMs);
    };
    const overall = setTimeout(
      () => giveUp(`not finished within ${this.#opts.streamMaxMs} ms`),
      this.#opts.streamMaxMs,
    );
    touch();
    try {
      for await (const chunk of reader) {
        if (timedOut) break;
        touch();
        bytes += Buffer.byteLength(chunk);
        if (bytes > this.#opts.maxStreamBytes) {
          this.#reject(identity, 'too-large', `text stream exceeds ${this.#opts.maxStreamBytes} bytes`);
          return undefined;
        }
        text += chunk;
      }
    } catch (err) {
      this.#reject(identity, 'stream-error', (err as Error).message);
      return undefined;
    } finally {
      clearTimeout(idle);
      clearTimeout(overall);
    }
    if (timedOut) {
      this.#reject(identity, 'stream-timeout', `text stream given up: ${timedOut}`);
      return undefined;
    }
    return text;
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
      this.#reject(who, result.error.code as InboxRejectionCode, result.error.detail);
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
    this.#log.accepted();
    Promise.resolve()
      .then(() => this.#onMessage({ message: result.message, sender: { identity: who, role } }))
      .catch((err) => this.#logger.error({ err, sender: who }, 'client message handler failed'));
  }

  #reject(sender: string, code: InboxRejectionCode, detail: string): void {
    this.#log.rejected(sender, code, detail);
    try {
      this.#onReject?.({ sender, code, detail });
    } catch (err) {
      this.#logger.error({ err }, 'rejection handler failed');
    }
  }
}
