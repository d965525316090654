import type { HintWhy } from '@interview-helper/protocol';
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** A hint not delivered to one interviewer (or to anyone, `identity` `*`), and why. */
export interface HintDrop {
  identity: string;
  reason: string;
  /** Milliseconds since the Unix epoch. */
  at: number;
}

/** Timestamp with time zone, read back as a `Date`. */
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Per-session options chosen when the session was created. */
export interface SessionSettings {
  title?: string;
  [key: string]: unknown;
}

/**
 * One interview: a LiveKit room plus one invite per role. Only SHA-256 hashes of the invites are stored.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    roomName: text('room_name').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    endedAt: tstz('ended_at'),
    candidateInviteHash: text('candidate_invite_hash').notNull(),
    interviewerInviteHash: text('interviewer_invite_hash').notNull(),
    settings: jsonb('settings').$type<SessionSettings>().notNull().default({}),
  },
  (t) => [uniqueIndex('sessions_room_name_key').on(t.roomName)],
);

/** A participant's stay in a session's room (a browser refresh is a new row with a new identity). */
export const participants = pgTable(
  'participants',
  {
    id: serial('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    identity: text('identity').notNull(),
    role: text('role').$type<'candidate' | 'interviewer'>().notNull(),
    name: text('name').notNull().default(''),
    joinedAt: tstz('joined_at').notNull(),
    leftAt: tstz('left_at'),
  },
  (t) => [
    index('participants_session_joined_idx').on(t.sessionId, t.joinedAt),
    check('participants_role_check', sql`${t.role} in ('candidate', 'interviewer')`),
  ],
);

/** Observations published by analysers; `id` is the protocol signal id. */
export const signals = pgTable(
  'signals',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    analyser: text('analyser').notNull(),
    kind: text('kind').notNull(),
    media: text('media').$type<'audio' | 'video' | 'text' | 'code'>().notNull(),
    rangeStart: tstz('range_start').notNull(),
    rangeEnd: tstz('range_end').notNull(),
    values: jsonb('values').$type<Record<string, number | string | boolean>>().notNull(),
    confidence: real('confidence').notNull(),
    summary: text('summary').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('signals_session_created_idx').on(t.sessionId, t.createdAt),
    check('signals_media_check', sql`${t.media} in ('audio', 'video', 'text', 'code')`),
    check('signals_confidence_check', sql`${t.confidence} >= 0 and ${t.confidence} <= 1`),
    check('signals_range_check', sql`${t.rangeEnd} >= ${t.rangeStart}`),
  ],
);

/** Hints shown to interviewers, with their delivery and the interviewer's feedback. */
export const hints = pgTable(
  'hints',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    evidence: jsonb('evidence').$type<string[]>().notNull(),
    confidence: real('confidence').notNull(),
    source: text('source').$type<'rules' | 'llm'>().notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    /** The signal that triggered the hint and when the triggering event happened. */
    triggerSignalId: text('trigger_signal_id'),
    triggerAt: tstz('trigger_at'),
    /** When the agent decided to give the hint (trigger matched, cadence allowed it). */
    decidedAt: tstz('decided_at'),
    /** When the LLM's first token arrived (LLM hints only). */
    llmFirstTokenAt: tstz('llm_first_token_at'),
    publishedAt: tstz('published_at'),
    /** Interviewer identities the hint was delivered to. */
    recipients: jsonb('recipients').$type<string[]>().notNull().default([]),
    /** Near-duplicate triggers folded into this hint instead of becoming hints of their own. */
    mergedCount: integer('merged_count').notNull().default(0),
    /** Why the hint was given (trigger, inputs, thresholds, source, timeline), as last sent. */
    why: jsonb('why').$type<HintWhy>(),
    /** Interviewers the hint was not delivered to, with the reason (e.g. its validity window passed). */
    drops: jsonb('drops').$type<HintDrop[]>().notNull().default([]),
    feedbackUseful: boolean('feedback_useful'),
    feedbackAt: tstz('feedback_at'),
  },
  (t) => [
    index('hints_session_created_idx').on(t.sessionId, t.createdAt),
    check('hints_source_check', sql`${t.source} in ('rules', 'llm')`),
    check('hints_confidence_check', sql`${t.confidence} >= 0 and ${t.confidence} <= 1`),
  ],
);

/**
 * Speech-to-text segments; a segment may be written interim first and later become final. `created_at` is when
 * its first version was written, `finalized_at` when its final version was.
 */
export const transcriptSegments = pgTable(
  'transcript_segments',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    speakerIdentity: text('speaker_identity').notNull(),
    speakerRole: text('speaker_role').$type<'candidate' | 'interviewer'>().notNull(),
    text: text('text').notNull(),
    startAt: tstz('start_at').notNull(),
    endAt: tstz('end_at').notNull(),
    final: boolean('final').notNull().default(false),
    status: text('status').$type<'ok' | 'failed'>().notNull().default('ok'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    /**
     * When the segment became final: set with its final version and never changed after. A final version is the
     * segment's terminal state whatever its status, so a segment given up as `failed` (stored final, with no
     * text) is dated by when it was given up. Null while only interim versions were written, and on rows stored
     * before this column existed.
     */
    finalizedAt: tstz('finalized_at'),
  },
  (t) => [
    index('transcript_session_start_idx').on(t.sessionId, t.startAt),
    check('transcript_status_check', sql`${t.status} in ('ok', 'failed')`),
    check('transcript_finalized_check', sql`${t.finalizedAt} is null or ${t.final}`),
    check('transcript_role_check', sql`${t.speakerRole} in ('candidate', 'interviewer')`),
    check('transcript_range_check', sql`${t.endAt} >= ${t.startAt}`),
  ],
);

/** The report written when a session ends (one per session; a later report replaces it). */
export const sessionReports = pgTable('session_reports', {
  sessionId: text('session_id')
    .primaryKey()
    .references(() => sessions.id, { onDelete: 'cascade' }),
  createdAt: tstz('created_at').notNull().defaultNow(),
  report: jsonb('report').$type<Record<string, unknown>>().notNull(),
});

// --- Interviewer conduct ---------------------------------------------------------------------------------

/**
 * Private notes about an interviewer's own conduct (a protected-topic question, a leading or closed question,
 * talk share, interruptions, monologues), kept for the audit trail. Each note went to `interviewer_identity`
 * only; `delivered_at` is null when that interviewer had left.
 */
export const conductNotes = pgTable(
  'conduct_notes',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    interviewerIdentity: text('interviewer_identity').notNull(),
    kind: text('kind').notNull(),
    topic: text('topic'),
    text: text('text').notNull(),
    quote: text('quote'),
    rephrase: text('rephrase'),
    severity: text('severity').$type<'info' | 'warning'>().notNull(),
    source: text('source').$type<'rules' | 'llm'>().notNull(),
    evidence: jsonb('evidence').$type<string[]>().notNull().default([]),
    values: jsonb('values').$type<Record<string, number | string | boolean>>(),
    /** When the observed behaviour ended (e.g. the end of the question). */
    observedAt: tstz('observed_at').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    deliveredAt: tstz('delivered_at'),
  },
  (t) => [
    index('conduct_session_interviewer_idx').on(t.sessionId, t.interviewerIdentity, t.createdAt),
    check('conduct_severity_check', sql`${t.severity} in ('info', 'warning')`),
    check('conduct_source_check', sql`${t.source} in ('rules', 'llm')`),
  ],
);

export type ConductNoteRow = typeof conductNotes.$inferSelect;

export type SessionRow = typeof sessions.$inferSelect;
export type ParticipantRow = typeof participants.$inferSelect;
export type SignalRow = typeof signals.$inferSelect;
export type HintRow = typeof hints.$inferSelect;
export type TranscriptSegmentRow = typeof transcriptSegments.$inferSelect;
export type SessionReportRow = typeof sessionReports.$inferSelect;

// --- Data lifecycle: deletion receipts ---------------------------------------------------------------------

/** Which rows a deletion removed, per table (SQL table name → row count). */
export type DeletedRows = Record<string, number>;

/**
 * The record that a session's data was deleted, kept after everything else of the session is gone. It holds no
 * personal data: ids, times, row counts, who asked and why. `session_id` has no foreign key on purpose (the
 * session row is deleted with the rest) and this table is the one session-keyed table deletion keeps.
 */
export const deletionReceipts = pgTable(
  'deletion_receipts',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id').notNull(),
    roomName: text('room_name').notNull(),
    sessionCreatedAt: tstz('session_created_at').notNull(),
    deletedAt: tstz('deleted_at').notNull(),
    /** Who asked: the label given with the request (default `admin`), or `retention`. */
    requestedBy: text('requested_by').notNull(),
    reason: text('reason').$type<'request' | 'retention'>().notNull(),
    /** What happened to the LiveKit room: closed, not open, or the server could not be reached. */
    room: text('room').$type<'closed' | 'not-open' | 'unreachable' | 'not-checked'>().notNull(),
    rows: jsonb('rows').$type<DeletedRows>().notNull(),
  },
  (t) => [
    index('deletion_receipts_session_idx').on(t.sessionId, t.deletedAt),
    index('deletion_receipts_room_idx').on(t.roomName),
    check('deletion_receipts_reason_check', sql`${t.reason} in ('request', 'retention')`),
    check(
      'deletion_receipts_room_check',
      sql`${t.room} in ('closed', 'not-open', 'unreachable', 'not-checked')`,
    ),
  ],
);

export type DeletionReceiptRow = typeof deletionReceipts.$inferSelect;

// ---- consent and audit ----------------------------------------------------------------------------------------

/** What happened to a candidate's consent: given, withdrawn, or a consent message refused (and why). */
export type ConsentAction = 'given' | 'withdrawn' | 'refused';

/**
 * The candidate's consent events, append-only: each consent, withdrawal and refused consent message is a row;
 * the latest `given` / `withdrawn` row of an identity is its current state.
 */
export const consentEvents = pgTable(
  'consent_events',
  {
    id: serial('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    /** The participant the consent is for (the sender of the message). */
    identity: text('identity').notNull(),
    action: text('action').$type<ConsentAction>().notNull(),
    /** The disclosure text version the candidate was shown (consents). */
    disclosureVersion: text('disclosure_version'),
    /** Analysis groups consented to. */
    groups: jsonb('groups').$type<string[]>().notNull().default([]),
    /** Accommodations asked for with the consent. */
    accommodations: jsonb('accommodations').$type<string[]>().notNull().default([]),
    /** How it arrived (`data-message`: the candidate's typed message to the agent). */
    source: text('source').notNull(),
    /** Why a consent message was refused. */
    reason: text('reason'),
    at: tstz('at').notNull(),
  },
  (t) => [
    index('consent_events_session_identity_idx').on(t.sessionId, t.identity, t.at),
    check('consent_events_action_check', sql`${t.action} in ('given', 'withdrawn', 'refused')`),
  ],
);

/**
 * The session's audit log, append-only (no update; rows go only with their session): consent events,
 * accommodations, hint feedback, plan edits, exports, deletions, … Hint decisions are read from the hint rows
 * and merged in by `AuditStore.auditLog`.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: serial('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    at: tstz('at').notNull(),
    /** Dotted event kind, e.g. `consent.given`, `hint.feedback`, `plan.edit`, `export`. */
    kind: text('kind').notNull(),
    /** Who caused it: a participant identity, `agent`, `token-server`, `organiser`. */
    actor: text('actor').notNull(),
    /** What it is about (a hint id, an identity), when anything. */
    subject: text('subject'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_events_session_idx').on(t.sessionId, t.at, t.id)],
);

export type ConsentEventRow = typeof consentEvents.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;

// ---- interview plan ------------------------------------------------------------------------------------------

/**
 * The interview plan of a session (one row per session; every edit bumps `revision`) and the agent's last
 * snapshot of its live coverage (items asked, candidate statements per item), read when the report is written.
 */
export const sessionPlans = pgTable('session_plans', {
  sessionId: text('session_id')
    .primaryKey()
    .references(() => sessions.id, { onDelete: 'cascade' }),
  revision: integer('revision').notNull().default(1),
  plan: jsonb('plan').$type<Record<string, unknown>>().notNull(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
  /** `create`, `api` or the identity of the interviewer who edited it live. */
  updatedBy: text('updated_by').notNull(),
  coverage: jsonb('coverage').$type<Record<string, unknown>>(),
  coverageAt: tstz('coverage_at'),
});

export type SessionPlanRow = typeof sessionPlans.$inferSelect;
