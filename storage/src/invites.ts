import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Number of random bytes in an invite secret. */
export const INVITE_BYTES = 32;

/** Creates a new random invite secret (32 bytes, base64url). */
export function generateInvite(): string {
  return randomBytes(INVITE_BYTES).toString('base64url');
}

/** SHA-256 of an invite as lowercase hex: the only form in which invites are stored. */
export function hashInvite(invite: string): string {
  return createHash('sha256').update(invite, 'utf8').digest('hex');
}

/** Whether `invite` hashes to `expectedHash`, compared in constant time. */
export function inviteMatches(invite: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashInvite(invite), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
