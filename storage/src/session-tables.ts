import { getTableName } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import {
  auditEvents,
  conductNotes,
  consentEvents,
  hints,
  participants,
  sessionPlans,
  sessionReports,
  signals,
  transcriptSegments,
} from './schema.js';

/** A table whose rows belong to one interview session (it has a `session_id` column). */
export interface SessionTable {
  /** SQL name of the table. */
  name: string;
  table: PgTable;
  /** The column holding the session id. */
  session: PgColumn;
  /**
   * The column naming the participant a row belongs to, when every row belongs to one participant (the
   * candidate export keeps only the candidate's rows). Without it, every row of the session is about the
   * analysed candidate and is exported whole.
   */
  identity?: PgColumn;
}

const entry = (table: PgTable, session: PgColumn, identity?: PgColumn): SessionTable => ({
  name: getTableName(table),
  table,
  session,
  ...(identity ? { identity } : {}),
});

/**
 * Every table holding a session's data, children before the tables they reference; `sessions` itself comes
 * last and is not listed. Deletion and the candidate export walk this list, so a table missing here would
 * keep its rows after a deletion: `session-tables.test.ts` fails when any table with a `session_id` column,
 * in the schema or in the migrated database, is neither here nor in {@link RETAINED_TABLES}.
 */
export const SESSION_TABLES: readonly SessionTable[] = [
  entry(participants, participants.sessionId, participants.identity),
  entry(signals, signals.sessionId),
  entry(hints, hints.sessionId),
  entry(transcriptSegments, transcriptSegments.sessionId, transcriptSegments.speakerIdentity),
  entry(sessionReports, sessionReports.sessionId),
  entry(sessionPlans, sessionPlans.sessionId),
  entry(consentEvents, consentEvents.sessionId, consentEvents.identity),
  // Notes to an interviewer about their own questions: theirs, never part of a candidate's export.
  entry(conductNotes, conductNotes.sessionId, conductNotes.interviewerIdentity),
  // The session's audit trail (consent, hint decisions, feedback, exports) is exported whole: it is the
  // record of how the candidate's data was processed.
  entry(auditEvents, auditEvents.sessionId),
];

/** Tables with a `session_id` column that deletion keeps on purpose: the deletion receipts. */
export const RETAINED_TABLES: readonly string[] = ['deletion_receipts'];
