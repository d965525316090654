export {
  type AuditEntry,
  type AuditInput,
  type AuditLog,
  type AuditSignal,
  AuditStore,
  hintEntries,
} from './audit-store.js';
export { type ConductNoteInput, ConductStore } from './conduct-store.js';
export { type ConsentInput, ConsentStore } from './consent-store.js';
export {
  type Database,
  defaultOptions as defaultDatabaseOptions,
  describeUrl,
  MIGRATIONS_FOLDER,
  type OpenDatabaseOptions,
  type OpenedDatabase,
  openDatabase,
} from './database.js';
export {
  type DeletionRequest,
  type DeletionResult,
  MAX_REQUESTED_BY,
  type RoomOutcome,
  SessionDeletion,
} from './deletion.js';
export { StorageError, type StorageErrorCode, sqlState } from './errors.js';
export { type FlushedSpill, flushSpill } from './flush-spill.js';
export { HintStore } from './hint-store.js';
export { generateInvite, hashInvite, INVITE_BYTES, inviteMatches } from './invites.js';
export { type PgliteServer, type PgliteServerOptions, startPgliteServer } from './pglite-server.js';
export { PlanStore, type StoredPlan } from './plan-store.js';
export { RecoveryStore, type StoredProgress } from './recovery-store.js';
export type {
  AuditEventRow,
  ConductNoteRow,
  ConsentAction,
  ConsentEventRow,
  DeletedRows,
  DeletionReceiptRow,
  HintDrop,
  HintRow,
  ParticipantRow,
  SessionPlanRow,
  SessionReportRow,
  SessionRow,
  SessionSettings,
  SignalRow,
  TranscriptSegmentRow,
} from './schema.js';
export * as schema from './schema.js';
export {
  type CandidateExport,
  EXPORT_FORMAT,
  type ExportRefusal,
  SessionExporter,
} from './session-export.js';
export { RETAINED_TABLES, SESSION_TABLES, type SessionTable } from './session-tables.js';
export { InterviewStore } from './store.js';
export type {
  HintFeedback,
  HintInput,
  JoinRecord,
  ListOptions,
  NewSession,
  SignalInput,
  Timestamp,
  TranscriptSegmentInput,
} from './store-types.js';
export {
  defaultWriteBufferOptions,
  WriteBuffer,
  type WriteBufferLog,
  type WriteBufferOptions,
  type WriteBufferState,
  type WriteBufferStatus,
  type WriteRecovery,
} from './write-buffer.js';
export { isConnectionError } from './write-errors.js';
export { applyWrite, rowsOf, type WriteOp, type WriteOpKind } from './write-ops.js';
