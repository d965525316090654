import type { Accommodation, ConsentGroup } from '@interview-helper/protocol';
import {
  type AuditInput,
  AuditStore,
  type ConsentInput,
  ConsentStore,
  type Database,
  type WriteBuffer,
} from '@interview-helper/storage';

/** A consent state as last recorded for an identity. */
export interface RecordedConsent {
  action: 'given' | 'withdrawn';
  disclosureVersion?: string;
  groups: ConsentGroup[];
  accommodations: Accommodation[];
  source: string;
}

/** Where a session records consent events and other audit events (the session's one database). */
export interface ConsentLog {
  record(input: Omit<ConsentInput, 'sessionId'>): Promise<void>;
  /** The latest consent or withdrawal of `identity` (e.g. given with the token request), if any. */
  current(identity: string): Promise<RecordedConsent | undefined>;
  audit(input: Omit<AuditInput, 'sessionId'>): Promise<void>;
}

/**
 * The consent log of a session in its database (`consent_events`, `audit_events`). With the session's `writes`,
 * events are queued there (in order, never waiting for the database).
 */
export function databaseConsentLog(
  db: Database,
  sessionId: string,
  writes?: Pick<WriteBuffer, 'enqueue'>,
): ConsentLog {
  const consents = new ConsentStore(db);
  const audit = new AuditStore(db);
  if (writes)
    return {
      record: async (input) => writes.enqueue({ op: 'recordConsent', consent: { ...input, sessionId } }),
      current: (identity) => current(consents, sessionId, identity),
      audit: async (input) =>
        writes.enqueue({ op: 'appendAudit', events: [{ ...input, sessionId, at: input.at ?? Date.now() }] }),
    };
  return {
    record: async (input) => void (await consents.recordConsent({ ...input, sessionId })),
    current: (identity) => current(consents, sessionId, identity),
    audit: async (input) => void (await audit.appendAudit({ ...input, sessionId })),
  };
}

async function current(
  consents: ConsentStore,
  sessionId: string,
  identity: string,
): Promise<RecordedConsent | undefined> {
  const row = await consents.currentConsent(sessionId, identity);
  if (!row || (row.action !== 'given' && row.action !== 'withdrawn')) return undefined;
  return {
    action: row.action,
    ...(row.disclosureVersion ? { disclosureVersion: row.disclosureVersion } : {}),
    groups: row.groups as ConsentGroup[],
    accommodations: row.accommodations as Accommodation[],
    source: row.source,
  };
}

/** A consent log kept in memory (sessions without a database: tests). `events` holds what was recorded. */
export function memoryConsentLog(): ConsentLog & {
  events: (Omit<ConsentInput, 'sessionId'> | Omit<AuditInput, 'sessionId'>)[];
} {
  const events: (Omit<ConsentInput, 'sessionId'> | Omit<AuditInput, 'sessionId'>)[] = [];
  return {
    events,
    record: async (input) => void events.push(input),
    current: async (identity) => {
      const last = events.findLast(
        (e): e is Omit<ConsentInput, 'sessionId'> =>
          'identity' in e && e.identity === identity && (e.action === 'given' || e.action === 'withdrawn'),
      );
      if (!last || last.action === 'refused') return undefined;
      return {
        action: last.action,
        ...(last.disclosureVersion ? { disclosureVersion: last.disclosureVersion } : {}),
        groups: [...(last.groups ?? [])] as ConsentGroup[],
        accommodations: [...(last.accommodations ?? [])] as Accommodation[],
        source: last.source,
      };
    },
    audit: async (input) => void events.push(input),
  };
}
