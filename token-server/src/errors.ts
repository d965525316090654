import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Stable error codes of the token server API, with their HTTP status. */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  invalid_invite: 403,
  role_not_allowed: 403,
  forbidden_origin: 403,
  not_found: 404,
  session_not_found: 404,
  session_ended: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  invalid_plan: 400,
  plan_too_large: 413,
  plan_conflict: 409,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** An error a handler throws to answer with `{ error: { code, message } }`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  /** Seconds after which a refused request may be tried again (`Retry-After`), for `too_many_attempts`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}
