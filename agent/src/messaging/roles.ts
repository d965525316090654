import { ROLE_ATTRIBUTE, type Role, roleSchema } from '@interview-helper/protocol';
import type { Participant } from '@livekit/rtc-node';

/** The role the token server granted a participant, or undefined for anyone else (agents, tools). */
export function roleOf(participant: Pick<Participant, 'attributes'> | undefined): Role | undefined {
  const parsed = roleSchema.safeParse(participant?.attributes?.[ROLE_ATTRIBUTE]);
  return parsed.success ? parsed.data : undefined;
}
