import { createHash, timingSafeEqual } from 'node:crypto';
import { safeId } from '@interview-helper/protocol';
import { type InterviewStore, inviteMatches, type SessionRow } from '@interview-helper/storage';
import type { Context } from 'hono';
import { ApiError } from './errors.js';
import type { AddressOf } from './guards.js';
import type { AttemptLimiter } from './rate-limit.js';

const sessionId = safeId(128);

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Options of {@link Credentials}. */
export interface CredentialsOptions {
  /** `ADMIN_TOKEN`; unset → no request is an admin's. */
  adminToken: string | undefined;
  limiter: AttemptLimiter;
  addressOf: AddressOf;
}

/**
 * Checks what clients present (invites, the admin token) in constant time, under the attempt limiter:
 * while a client address or a session has spent its failures, checks are refused with
 * `too_many_attempts` (429, `Retry-After`) before anything is compared.
 */
export class Credentials {
  readonly #o: CredentialsOptions;

  constructor(options: CredentialsOptions) {
    this.#o = options;
  }

  /** `Authorization: Bearer <value>`, or `''`. */
  bearer(c: Context): string {
    return /^Bearer ([^\s]{1,512})$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
  }

  /** Throws `too_many_attempts` while this client (or this session) may not try again. */
  gate(c: Context, session?: string): void {
    const wait = this.#o.limiter.retryAfter(this.#o.addressOf(c), session);
    if (wait > 0) {
      throw new ApiError('too_many_attempts', `too many failed attempts; retry in ${wait} s`, wait);
    }
  }

  /** Records a failed check of this client (and session). */
  failed(c: Context, session?: string): void {
    this.#o.limiter.failed(this.#o.addressOf(c), session);
  }

  /** Whether the bearer token is the admin token (constant time; false when none is configured). */
  isAdmin(c: Context): boolean {
    const admin = this.#o.adminToken;
    if (admin === undefined) return false;
    return timingSafeEqual(digest(this.bearer(c)), digest(admin));
  }

  /** Whether `presented` is the invite whose hash is `expectedHash` (constant time). */
  inviteMatches(presented: string, expectedHash: string): boolean {
    return presented.length > 0 && inviteMatches(presented, expectedHash);
  }

  /**
   * The session of the route's `:id` whose interviewer invite is the bearer token: `invalid_request` for an id no
   * session can have, `too_many_attempts` while this client or session may not try, and `unauthorized` (a failed
   * attempt) for no or a wrong invite and for an unknown session alike, so ids cannot be probed.
   */
  async interviewerSession(c: Context, store: InterviewStore): Promise<SessionRow> {
    const id = sessionId.safeParse(c.req.param('id'));
    if (!id.success) throw new ApiError('invalid_request', 'malformed session id');
    const invite = this.bearer(c);
    this.gate(c, id.data);
    const session = invite ? await store.getSession(id.data) : undefined;
    if (!session || !this.inviteMatches(invite, session.interviewerInviteHash)) {
      this.failed(c, id.data);
      throw new ApiError('unauthorized', "the session's interviewer invite is required as a bearer token");
    }
    return session;
  }
}
