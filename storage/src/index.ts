export {
  type Database,
  defaultOptions as defaultDatabaseOptions,
  describeUrl,
  MIGRATIONS_FOLDER,
  type OpenDatabaseOptions,
  type OpenedDatabase,
  openDatabase,
} from './database.js';
export { StorageError, type StorageErrorCode, sqlState } from './errors.js';
export { HintStore } from './hint-store.js';
export { generateInvite, hashInvite, INVITE_BYTES, inviteMatches } from './invites.js';
export { type PgliteServer, type PgliteServerOptions, startPgliteServer } from './pglite-server.js';
export { PlanStore, type StoredPlan } from './plan-store.js';
export type {
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
