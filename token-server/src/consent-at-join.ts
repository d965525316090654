import { DISCLOSURE, type JoinConsent, type Role } from '@interview-helper/protocol';
import { ConsentStore, type InterviewStore } from '@interview-helper/storage';
import { ApiError } from './errors.js';

/**
 * Checks a consent sent with a token request before the token is issued: only a candidate consents, and only
 * to the current disclosure. Throws `invalid_request` otherwise.
 */
export function checkJoinConsent(role: Role, consent: JoinConsent | undefined): void {
  if (!consent) return;
  if (role !== 'candidate') throw new ApiError('invalid_request', 'consent: only the candidate consents');
  if (consent.disclosureVersion !== DISCLOSURE.version) {
    throw new ApiError(
      'invalid_request',
      `consent: disclosure version ${consent.disclosureVersion} is not the current one (${DISCLOSURE.version}); show GET /api/disclosure`,
    );
  }
}

/** Records the candidate's consent for the identity just issued (`consent_events` and the audit log). */
export async function recordJoinConsent(
  store: InterviewStore,
  sessionId: string,
  identity: string,
  consent: JoinConsent | undefined,
  at: Date,
): Promise<boolean> {
  if (!consent) return false;
  await new ConsentStore(store.database).recordConsent({
    sessionId,
    identity,
    action: 'given',
    disclosureVersion: consent.disclosureVersion,
    groups: consent.groups,
    accommodations: consent.accommodations ?? [],
    source: 'token-request',
    at,
  });
  return true;
}
