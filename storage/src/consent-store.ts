import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from './database.js';
import { StorageError, storageCall } from './errors.js';
import { auditEvents, type ConsentAction, type ConsentEventRow, consentEvents } from './schema.js';
import { toDate } from './store.js';
import type { Timestamp } from './store-types.js';

/** A consent event to record; see {@link ConsentStore.recordConsent}. */
export interface ConsentInput {
  sessionId: string;
  /** The participant the consent is for. */
  identity: string;
  action: ConsentAction;
  disclosureVersion?: string;
  groups?: readonly string[];
  accommodations?: readonly string[];
  /** How it arrived, e.g. `data-message`. */
  source: string;
  /** Why a consent message was refused. */
  reason?: string;
  /** Who sent it when not `identity` (a refused message from someone else). */
  actor?: string;
  at: Timestamp;
}

/**
 * The candidates' consent, append-only: every consent, withdrawal and refused consent message is a row of
 * `consent_events` and, in the same transaction, a `consent.<action>` event of the session's audit log.
 */
export class ConsentStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Records a consent event and its audit event together. An unknown session → `session_not_found`. */
  recordConsent(input: ConsentInput): Promise<ConsentEventRow> {
    return storageCall('recordConsent', async () => {
      const at = toDate(input.at, 'at');
      return this.#db.transaction(async (tx) => {
        const [row] = await tx
          .insert(consentEvents)
          .values({
            sessionId: input.sessionId,
            identity: input.identity,
            action: input.action,
            disclosureVersion: input.disclosureVersion ?? null,
            groups: [...(input.groups ?? [])],
            accommodations: [...(input.accommodations ?? [])],
            source: input.source,
            reason: input.reason ?? null,
            at,
          })
          .returning();
        if (!row) throw new StorageError('unavailable', 'recordConsent: no row returned');
        await tx.insert(auditEvents).values({
          sessionId: input.sessionId,
          at,
          kind: `consent.${input.action}`,
          actor: input.actor ?? input.identity,
          subject: input.identity,
          data: {
            consentEventId: row.id,
            source: input.source,
            ...(input.disclosureVersion ? { disclosureVersion: input.disclosureVersion } : {}),
            groups: row.groups,
            accommodations: row.accommodations,
            ...(input.reason ? { reason: input.reason } : {}),
          },
        });
        return row;
      });
    });
  }

  /** The latest consent or withdrawal of `identity` in the session (refused messages do not count). */
  currentConsent(sessionId: string, identity: string): Promise<ConsentEventRow | undefined> {
    return storageCall('currentConsent', async () => {
      const [row] = await this.#db
        .select()
        .from(consentEvents)
        .where(
          and(
            eq(consentEvents.sessionId, sessionId),
            eq(consentEvents.identity, identity),
            inArray(consentEvents.action, ['given', 'withdrawn']),
          ),
        )
        .orderBy(desc(consentEvents.at), desc(consentEvents.id))
        .limit(1);
      return row;
    });
  }

  /** Every consent event of a session in time order. */
  listConsents(sessionId: string): Promise<ConsentEventRow[]> {
    return storageCall('listConsents', () =>
      this.#db
        .select()
        .from(consentEvents)
        .where(eq(consentEvents.sessionId, sessionId))
        .orderBy(asc(consentEvents.at), asc(consentEvents.id)),
    );
  }
}
