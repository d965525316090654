/** Stable codes of storage failures; callers map them to their own errors. */
export type StorageErrorCode =
  /** A row refers to a session that does not exist. */
  | 'session_not_found'
  /** A value violates a constraint (range, enum, type). */
  | 'invalid_input'
  /** A unique value (room name, id) is already taken. */
  | 'conflict'
  /** Anything else: connection loss, server errors. */
  | 'unavailable';

/** A storage failure with a stable `code`. The original driver error is kept as `cause`. */
export class StorageError extends Error {
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** SQLSTATE classes and codes we translate (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
const FOREIGN_KEY_VIOLATION = '23503';
const UNIQUE_VIOLATION = '23505';
const INVALID_INPUT_CLASSES = ['22', '23'];

/** Finds the SQLSTATE of a driver error; drizzle wraps driver errors in `DrizzleQueryError.cause`. */
export function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Translates a driver error into a `StorageError`. `what` names the operation for the message. */
export function toStorageError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const state = sqlState(err);
  if (state === FOREIGN_KEY_VIOLATION) {
    return new StorageError('session_not_found', `${what}: unknown session`, { cause: err });
  }
  if (state === UNIQUE_VIOLATION) {
    return new StorageError('conflict', `${what}: already exists`, { cause: err });
  }
  if (state && INVALID_INPUT_CLASSES.includes(state.slice(0, 2))) {
    return new StorageError('invalid_input', `${what}: invalid value (SQLSTATE ${state})`, { cause: err });
  }
  return new StorageError('unavailable', `${what}: database error`, { cause: err });
}

/** Runs one storage operation, turning whatever it throws into a `StorageError` named after `what`. */
export async function storageCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toStorageError(err, what);
  }
}
