import { and, eq, isNull, sql } from 'drizzle-orm';
import { type AuditInput, AuditStore } from './audit-store.js';
import { type ConductNoteInput, ConductStore } from './conduct-store.js';
import { type ConsentInput, ConsentStore } from './consent-store.js';
import type { Database } from './database.js';
import { storageCall } from './errors.js';
import { HintStore } from './hint-store.js';
import { PlanStore } from './plan-store.js';
import { auditEvents, consentEvents, type HintDrop, hints, participants } from './schema.js';
import { InterviewStore, toDate } from './store.js';
import type {
  HintFeedback,
  HintInput,
  JoinRecord,
  SignalInput,
  Timestamp,
  TranscriptSegmentInput,
} from './store-types.js';

/**
 * One write of an interview, as data: it can wait in memory or in a spill file (JSON) and be applied later,
 * in order, by {@link applyWrite}. Every kind is safe to apply twice (a retry after a failure whose outcome is
 * unknown): by its natural key (ids, `on conflict`), or by checking for the same row first. The one exception
 * is `mergeIntoHint`'s `mergedCount`, which may count a merge twice; its evidence is a set.
 */
export type WriteOp =
  | { op: 'insertSignals'; signals: SignalInput[] }
  | { op: 'recordJoin'; join: JoinRecord }
  | { op: 'recordLeave'; sessionId: string; identity: string; at: Timestamp }
  | { op: 'insertTranscriptSegment'; segment: TranscriptSegmentInput }
  | { op: 'recordHintFeedback'; feedback: HintFeedback }
  | { op: 'insertHint'; hint: HintInput }
  | { op: 'mergeIntoHint'; hintId: string; evidence: string[] }
  | { op: 'updateHint'; hintId: string; update: Parameters<HintStore['updateHint']>[1] }
  | { op: 'addHintDrops'; hintId: string; drops: HintDrop[] }
  | { op: 'addHintRecipients'; hintId: string; identities: string[]; at: Timestamp }
  | { op: 'saveReport'; sessionId: string; report: Record<string, unknown>; at: Timestamp }
  | { op: 'endSession'; sessionId: string; at: Timestamp }
  | { op: 'recordConsent'; consent: ConsentInput }
  | { op: 'appendAudit'; events: AuditInput[] }
  | { op: 'upsertConductNote'; note: ConductNoteInput }
  | { op: 'conductNoteDelivered'; id: string; at: Timestamp }
  | { op: 'setPlan'; sessionId: string; plan: Record<string, unknown>; by: string; at: Timestamp }
  | { op: 'savePlanCoverage'; sessionId: string; coverage: Record<string, unknown>; at: Timestamp };

/** Kind of a {@link WriteOp}. */
export type WriteOpKind = WriteOp['op'];

/** Rows a write adds or changes (signal and audit batches count each row). */
export function rowsOf(write: WriteOp): number {
  if (write.op === 'insertSignals') return write.signals.length;
  if (write.op === 'appendAudit') return write.events.length;
  return 1;
}

/**
 * The write with every time it would otherwise take at apply time fixed now (so a retry is the same write, and
 * a final transcript segment that waited for the database is dated by when it was queued, not written).
 */
export function stamped(write: WriteOp, now: number = Date.now()): WriteOp {
  if (write.op === 'insertTranscriptSegment') {
    const s = write.segment;
    return s.final && s.finalizedAt === undefined ? { ...write, segment: { ...s, finalizedAt: now } } : write;
  }
  if (write.op !== 'appendAudit' || write.events.every((e) => e.at !== undefined)) return write;
  return { ...write, events: write.events.map((e) => ({ ...e, at: e.at ?? now })) };
}

/**
 * Applies one write. Returns what the store method returns (e.g. whether a row changed); a write found
 * already applied returns as if it had applied now. Failures are `StorageError`s.
 */
export async function applyWrite(db: Database, write: WriteOp): Promise<unknown> {
  const store = new InterviewStore(db);
  switch (write.op) {
    case 'insertSignals':
      return store.insertSignals(write.signals);
    case 'recordJoin':
      return recordJoinOnce(db, write.join);
    case 'recordLeave':
      return store.recordLeave(write);
    case 'insertTranscriptSegment':
      return store.insertTranscriptSegment(write.segment);
    case 'recordHintFeedback':
      return store.recordHintFeedback(write.feedback);
    case 'insertHint':
      // Hint ids are random: a hint with this id is this write, applied by an earlier attempt.
      await store.insertHint(write.hint);
      return true;
    case 'mergeIntoHint':
      return new HintStore(db).mergeIntoHint(write.hintId, write.evidence);
    case 'updateHint':
      return new HintStore(db).updateHint(write.hintId, write.update);
    case 'addHintDrops':
      return addHintDropsOnce(db, write.hintId, write.drops);
    case 'addHintRecipients':
      return new HintStore(db).addHintRecipients(write.hintId, write.identities, write.at);
    case 'saveReport':
      return store.saveReport(write.sessionId, write.report, write.at);
    case 'endSession':
      return store.endSession(write.sessionId, write.at);
    case 'recordConsent':
      return recordConsentOnce(db, write.consent);
    case 'appendAudit':
      return appendAuditOnce(db, write.events);
    case 'upsertConductNote':
      return new ConductStore(db).upsert(write.note);
    case 'conductNoteDelivered':
      return new ConductStore(db).delivered(write.id, write.at);
    case 'setPlan':
      // the edit's time is fixed when queued: a plan already stored by this author at this time is this write
      return new PlanStore(db).setPlanOnce(write.sessionId, write.plan, write.by, write.at);
    case 'savePlanCoverage':
      return new PlanStore(db).saveCoverage(write.sessionId, write.coverage, write.at);
  }
}

/** A join is one row per (session, identity, time): the same join again is not a second stay. */
async function recordJoinOnce(db: Database, join: JoinRecord): Promise<boolean> {
  const found = await storageCall('recordJoin', () =>
    db
      .select({ id: participants.id })
      .from(participants)
      .where(
        and(
          eq(participants.sessionId, join.sessionId),
          eq(participants.identity, join.identity),
          eq(participants.joinedAt, toDate(join.at, 'at')),
        ),
      )
      .limit(1),
  );
  if (found.length > 0) return false;
  await new InterviewStore(db).recordJoin(join);
  return true;
}

/** A consent event is one per (session, identity, action, source, time). */
async function recordConsentOnce(db: Database, consent: ConsentInput): Promise<boolean> {
  const found = await storageCall('recordConsent', () =>
    db
      .select({ id: consentEvents.id })
      .from(consentEvents)
      .where(
        and(
          eq(consentEvents.sessionId, consent.sessionId),
          eq(consentEvents.identity, consent.identity),
          eq(consentEvents.action, consent.action),
          eq(consentEvents.source, consent.source),
          eq(consentEvents.at, toDate(consent.at, 'at')),
        ),
      )
      .limit(1),
  );
  if (found.length > 0) return false;
  await new ConsentStore(db).recordConsent(consent);
  return true;
}

/**
 * Appends the audit events not yet there: an event is one per (session, kind, actor, subject, time), so two
 * identical events in the same millisecond are kept once.
 */
async function appendAuditOnce(db: Database, events: AuditInput[]): Promise<number> {
  const fresh: AuditInput[] = [];
  for (const e of events) {
    const found = await storageCall('appendAudit', () =>
      db
        .select({ id: auditEvents.id })
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.sessionId, e.sessionId),
            eq(auditEvents.kind, e.kind),
            eq(auditEvents.actor, e.actor),
            e.subject === undefined ? isNull(auditEvents.subject) : eq(auditEvents.subject, e.subject),
            eq(auditEvents.at, toDate(e.at ?? Date.now(), 'at')),
          ),
        )
        .limit(1),
    );
    if (found.length === 0) fresh.push(e);
  }
  return fresh.length === 0 ? 0 : new AuditStore(db).appendAudit(fresh);
}

/** Adds drops unless the hint already lists all of them. */
function addHintDropsOnce(db: Database, hintId: string, drops: HintDrop[]): Promise<boolean> {
  return storageCall('addHintDrops', async () => {
    const json = JSON.stringify(drops);
    const rows = await db
      .update(hints)
      .set({ drops: sql`${hints.drops} || ${json}::jsonb` })
      .where(and(eq(hints.id, hintId), sql`not (${hints.drops} @> ${json}::jsonb)`))
      .returning({ id: hints.id });
    return rows.length > 0;
  });
}
