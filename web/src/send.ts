import { type ClientMessage, encodeClientMessage } from '@interview-helper/protocol';
import type { Room } from 'livekit-client';
import { findAgent } from './participants.js';

/**
 * Sends a client message to the agent (only to the agent: other participants never receive it). Small messages
 * go as one reliable packet, large ones as a text stream on the same topic. Throws when the message is invalid
 * or no agent is in the room (`code: 'no-agent'`).
 */
export async function sendToAgent(room: Room, message: ClientMessage): Promise<void> {
  const encoded = encodeClientMessage(message);
  const agent = findAgent(room);
  if (!agent)
    throw Object.assign(new Error('the interview assistant is not in the room'), { code: 'no-agent' });
  const destinationIdentities = [agent.identity];
  if (encoded.transport === 'packet') {
    await room.localParticipant.publishData(new Uint8Array(encoded.bytes), {
      reliable: true,
      topic: encoded.topic,
      destinationIdentities,
    });
  } else {
    await room.localParticipant.sendText(encoded.text, { topic: encoded.topic, destinationIdentities });
  }
}
