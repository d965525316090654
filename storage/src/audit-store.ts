import type { HintWhy } from '@interview-helper/protocol';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database } from './database.js';
import { StorageError, storageCall } from './errors.js';
import { type AuditEventRow, auditEvents, type HintRow, hints, type SignalRow, signals } from './schema.js';
import { toDate } from './store.js';
import type { Timestamp } from './store-types.js';

/** One audit event to append; see {@link AuditStore.appendAudit}. */
export interface AuditInput {
  sessionId: string;
  /**
   * Dotted kind. In use: `consent.given`, `consent.withdrawn`, `consent.refused`, `accommodations`,
   * `hint.feedback`, `settings`, `audit.export`; other features add theirs (`plan.edit`, `export`, `deletion`, …).
   */
  kind: string;
  /** Who caused it: a participant identity, `agent`, `token-server`, `organiser`. */
  actor: string;
  /** What it is about (a hint id, an identity). */
  subject?: string;
  data?: Record<string, unknown>;
  /** Defaults to now. */
  at?: Timestamp;
}

/** One line of a session's audit log: an appended event, or a hint decision read from the hint rows. */
export interface AuditEntry {
  /** Milliseconds since the Unix epoch. */
  at: number;
  kind: string;
  actor: string;
  subject?: string;
  data: Record<string, unknown>;
  /** `audit_events` (appended) or `hints` (derived from the hint row). */
  from: 'audit_events' | 'hints';
}

/** A signal a hint read, as stored. */
export interface AuditSignal {
  id: string;
  kind: string;
  analyser: string;
  media: string;
  start: number;
  end: number;
  values: Record<string, number | string | boolean>;
  summary: string;
}

/**
 * A session's whole audit log, in time order, with every signal a hint read. From it alone one can replay the
 * hint decisions: which trigger fired (`hint.decided`: trigger, inputs with their values, thresholds, source and
 * model), who got it (`hint.sent`: recipients, time held) and who did not and why (`hint.dropped`).
 */
export interface AuditLog {
  sessionId: string;
  /** Milliseconds since the Unix epoch. */
  generatedAt: number;
  entries: AuditEntry[];
  /** The signals the hints cite or read (evidence and `why.inputs`), by id. */
  signals: Record<string, AuditSignal>;
}

const ms = (d: Date) => d.getTime();

/** The decisions of one hint row as audit entries. `feedback` is false when appended events already carry it. */
export function hintEntries(h: HintRow, feedback = true): AuditEntry[] {
  const why = h.why as HintWhy | null;
  const decidedAt = h.decidedAt ?? h.createdAt;
  const base = { actor: 'agent', subject: h.id, from: 'hints' as const };
  const out: AuditEntry[] = [
    {
      ...base,
      at: ms(decidedAt),
      kind: 'hint.decided',
      data: {
        kind: h.kind,
        trigger: why?.trigger ?? h.kind,
        text: h.text,
        source: h.source,
        /** `rules` or the id of the model that wrote the text. */
        model: why?.source ?? h.source,
        confidence: h.confidence,
        evidence: h.evidence,
        triggerSignalId: h.triggerSignalId,
        ...(h.triggerAt ? { triggerAt: ms(h.triggerAt) } : {}),
        mergedCount: h.mergedCount,
        why,
      },
    },
  ];
  if (h.publishedAt) {
    out.push({
      ...base,
      at: ms(h.publishedAt),
      kind: 'hint.sent',
      data: { recipients: h.recipients, heldMs: ms(h.publishedAt) - ms(decidedAt) },
    });
  }
  for (const d of h.drops) {
    out.push({ ...base, at: d.at, kind: 'hint.dropped', data: { identity: d.identity, reason: d.reason } });
  }
  if (feedback && h.feedbackAt && h.feedbackUseful !== null) {
    out.push({ ...base, at: ms(h.feedbackAt), kind: 'hint.feedback', data: { useful: h.feedbackUseful } });
  }
  return out;
}

function auditSignal(s: SignalRow): AuditSignal {
  return {
    id: s.id,
    kind: s.kind,
    analyser: s.analyser,
    media: s.media,
    start: ms(s.rangeStart),
    end: ms(s.rangeEnd),
    values: s.values,
    summary: s.summary,
  };
}

/**
 * The append-only audit log of each session. Nothing here changes or removes a row (the database refuses
 * updates too); rows go only when their session is deleted. Failures are `StorageError`s with a stable `code`.
 */
export class AuditStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Appends events (one statement); returns how many were written. An unknown session → `session_not_found`. */
  appendAudit(events: AuditInput | readonly AuditInput[]): Promise<number> {
    const batch = Array.isArray(events) ? events : [events as AuditInput];
    return storageCall('appendAudit', async () => {
      if (batch.length === 0) return 0;
      const rows = batch.map((e) => {
        if (!e.kind || !e.actor)
          throw new StorageError('invalid_input', 'appendAudit: kind and actor are required');
        return {
          sessionId: e.sessionId,
          at: toDate(e.at ?? Date.now(), 'at'),
          kind: e.kind,
          actor: e.actor,
          subject: e.subject ?? null,
          data: e.data ?? {},
        };
      });
      const inserted = await this.#db.insert(auditEvents).values(rows).returning({ id: auditEvents.id });
      return inserted.length;
    });
  }

  /** The appended events of a session in time order (then insertion order). */
  listAudit(sessionId: string, opts: { kindPrefix?: string } = {}): Promise<AuditEventRow[]> {
    return storageCall('listAudit', async () => {
      const rows = await this.#db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.sessionId, sessionId))
        .orderBy(asc(auditEvents.at), asc(auditEvents.id));
      return opts.kindPrefix ? rows.filter((r) => r.kind.startsWith(opts.kindPrefix as string)) : rows;
    });
  }

  /** The session's audit log: appended events merged with the hint decisions and the signals they read. */
  auditLog(sessionId: string, now: Timestamp = Date.now()): Promise<AuditLog> {
    return storageCall('auditLog', async () => {
      const [events, hintRows] = await Promise.all([
        this.listAudit(sessionId),
        this.#db
          .select()
          .from(hints)
          .where(eq(hints.sessionId, sessionId))
          .orderBy(asc(hints.createdAt), asc(hints.id)),
      ]);
      const feedbackLogged = new Set(events.filter((e) => e.kind === 'hint.feedback').map((e) => e.subject));
      const entries: AuditEntry[] = events.map((e) => ({
        at: ms(e.at),
        kind: e.kind,
        actor: e.actor,
        ...(e.subject === null ? {} : { subject: e.subject }),
        data: e.data,
        from: 'audit_events' as const,
      }));
      for (const h of hintRows) entries.push(...hintEntries(h, !feedbackLogged.has(h.id)));
      entries.sort((a, b) => a.at - b.at);
      const ids = new Set<string>();
      for (const h of hintRows) {
        for (const id of h.evidence) ids.add(id);
        for (const i of (h.why as HintWhy | null)?.inputs ?? []) ids.add(i.id);
        if (h.triggerSignalId) ids.add(h.triggerSignalId);
      }
      const found = ids.size
        ? await this.#db
            .select()
            .from(signals)
            .where(and(eq(signals.sessionId, sessionId), inArray(signals.id, [...ids])))
        : [];
      return {
        sessionId,
        generatedAt: toDate(now, 'now').getTime(),
        entries,
        signals: Object.fromEntries(found.map((s) => [s.id, auditSignal(s)])),
      };
    });
  }
}
