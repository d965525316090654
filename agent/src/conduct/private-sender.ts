import { type ConductMessage, encodeAgentMessage } from '@interview-helper/protocol';
import type { Room } from '@livekit/rtc-node';
import { logger } from '../log.js';
import { roleOf } from '../messaging/roles.js';

/**
 * Sends a conduct note to the one interviewer it is about, and to nobody else: `destinationIdentities` is that
 * identity alone, and only while it is in the room with the interviewer role. Returns whether it was sent.
 */
export class PrivateNoteSender {
  #room: Room;
  #log = logger('conduct');

  constructor(room: Room) {
    this.#room = room;
  }

  async send(message: ConductMessage): Promise<boolean> {
    const encoded = encodeAgentMessage(message);
    const who = message.interviewer;
    const p = [...this.#room.remoteParticipants.values()].find((x) => x.identity === who);
    const local = this.#room.localParticipant;
    if (!p || roleOf(p) !== 'interviewer' || !local) return false;
    try {
      if (encoded.transport === 'packet')
        await local.publishData(encoded.bytes, {
          reliable: true,
          topic: encoded.topic,
          destination_identities: [who],
        });
      else await local.sendText(encoded.text, { topic: encoded.topic, destinationIdentities: [who] });
      return true;
    } catch (err) {
      this.#log.warn({ err, kind: message.kind }, 'sending a conduct note failed');
      return false;
    }
  }
}
