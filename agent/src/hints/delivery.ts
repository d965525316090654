import type { HintDetail, HintMessage } from '@interview-helper/protocol';
import type { InterviewerPublisher } from '../messaging/publisher.js';

/**
 * Sends one hint to some interviewers, each at their own detail level, in order with every other message to
 * interviewers. The publisher sends only to identities in the room as interviewers (role from the token), so a hint
 * never reaches a candidate. Returns who it went to.
 */
export async function deliverHint(
  publisher: InterviewerPublisher,
  variants: (detail: HintDetail) => HintMessage,
  to: readonly string[],
  detailOf: (identity: string) => HintDetail,
): Promise<string[]> {
  const groups = new Map<HintDetail, string[]>();
  for (const who of to) {
    const d = detailOf(who);
    groups.set(d, [...(groups.get(d) ?? []), who]);
  }
  const sent: string[] = [];
  for (const [detail, identities] of groups) {
    const result = await publisher.publishTo(variants(detail), identities);
    if (result.transport !== 'none') sent.push(...result.to);
  }
  return sent;
}
