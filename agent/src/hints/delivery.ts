import { encodeAgentMessage, type HintDetail, type HintMessage } from '@interview-helper/protocol';
import type { Room } from '@livekit/rtc-node';
import type { InterviewerPublisher } from '../messaging/publisher.js';

/**
 * Sends one hint to some interviewers, each at their own detail level. Recipients are filtered to the
 * identities the publisher knows as interviewers (role from the token), so a hint never reaches a
 * candidate. Reliable packets up to 15 KiB, a text stream beyond. Returns who it went to.
 */
export async function deliverHint(
  room: Room,
  publisher: InterviewerPublisher,
  variants: (detail: HintDetail) => HintMessage,
  to: readonly string[],
  detailOf: (identity: string) => HintDetail,
): Promise<string[]> {
  const allowed = new Set(publisher.interviewers());
  const groups = new Map<HintDetail, string[]>();
  for (const who of to) {
    if (!allowed.has(who)) continue;
    const d = detailOf(who);
    groups.set(d, [...(groups.get(d) ?? []), who]);
  }
  const local = room.localParticipant;
  if (!local) return [];
  const sent: string[] = [];
  for (const [detail, identities] of groups) {
    const encoded = encodeAgentMessage(variants(detail));
    if (encoded.transport === 'packet') {
      await local.publishData(encoded.bytes, {
        reliable: true,
        topic: encoded.topic,
        destination_identities: identities,
      });
    } else {
      await local.sendText(encoded.text, { topic: encoded.topic, destinationIdentities: identities });
    }
    sent.push(...identities);
  }
  return sent;
}
