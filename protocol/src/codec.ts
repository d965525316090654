import type { z } from 'zod';
import { PROTOCOL_VERSION } from './common.js';
import {
  type AgentMessage,
  agentMessageSchema,
  type ClientMessage,
  clientMessageSchema,
} from './messages.js';
import { MAX_PACKET_BYTES, TOPICS, type Topic } from './topics.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** How a message should travel: one reliable packet, or a text stream when it is too large. */
export interface EncodedMessage {
  topic: Topic;
  /** UTF-8 JSON of the message. */
  text: string;
  bytes: Uint8Array;
  transport: 'packet' | 'stream';
}

/** Why a message was refused. `code` is stable; `detail` is for logs. */
export interface DecodeError {
  code: 'unknown-topic' | 'not-utf8' | 'not-json' | 'invalid' | 'unsupported-version';
  detail: string;
}

export type DecodeResult<T> = { ok: true; message: T } | { ok: false; error: DecodeError };

function encode(topic: Topic, schema: z.ZodType, message: unknown): EncodedMessage {
  const parsed = schema.parse(message);
  const text = JSON.stringify(parsed);
  const bytes = encoder.encode(text);
  return { topic, text, bytes, transport: bytes.byteLength <= MAX_PACKET_BYTES ? 'packet' : 'stream' };
}

/** Validates and encodes a message from the agent to interviewers. Throws on an invalid message. */
export function encodeAgentMessage(message: AgentMessage): EncodedMessage {
  return encode(TOPICS.AGENT_TO_INTERVIEWERS, agentMessageSchema, message);
}

/** Validates and encodes a message from a client to the agent. Throws on an invalid message. */
export function encodeClientMessage(message: ClientMessage): EncodedMessage {
  return encode(TOPICS.CLIENT_TO_AGENT, clientMessageSchema, message);
}

function decode<T>(schema: z.ZodType<T>, data: Uint8Array | string): DecodeResult<T> {
  let text: string;
  if (typeof data === 'string') {
    text = data;
  } else {
    try {
      text = decoder.decode(data);
    } catch {
      return { ok: false, error: { code: 'not-utf8', detail: 'payload is not valid UTF-8' } };
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: { code: 'not-json', detail: (err as Error).message } };
  }
  if (typeof json === 'object' && json !== null && 'v' in json && json.v !== PROTOCOL_VERSION) {
    return {
      ok: false,
      error: { code: 'unsupported-version', detail: `protocol version ${String(json.v)} is not supported` },
    };
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const detail = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return { ok: false, error: { code: 'invalid', detail } };
  }
  return { ok: true, message: result.data };
}

/** Decodes and validates a message received on the agent-to-interviewers topic. */
export function decodeAgentMessage(data: Uint8Array | string): DecodeResult<AgentMessage> {
  return decode(agentMessageSchema, data);
}

/** Decodes and validates a message received on the client-to-agent topic. */
export function decodeClientMessage(data: Uint8Array | string): DecodeResult<ClientMessage> {
  return decode(clientMessageSchema, data);
}

/** Decodes a message by its topic; unknown topics are refused. */
export function decodeByTopic(
  topic: string | undefined,
  data: Uint8Array | string,
): DecodeResult<AgentMessage | ClientMessage> {
  if (topic === TOPICS.AGENT_TO_INTERVIEWERS) return decodeAgentMessage(data);
  if (topic === TOPICS.CLIENT_TO_AGENT) return decodeClientMessage(data);
  return {
    ok: false,
    error: { code: 'unknown-topic', detail: `topic ${String(topic)} is not part of the protocol` },
  };
}
