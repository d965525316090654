import type { JoinConsent, Role } from '@interview-helper/protocol';

/** Body of `POST /api/token`. */
export interface TokenRequest {
  session: string;
  role: Role;
  name: string;
  invite: string;
  /** The candidate's consent, recorded by the token server for the identity it issues. */
  consent?: JoinConsent;
}

/** What the token server grants: a LiveKit token and where to use it. */
export interface TokenGrant {
  token: string;
  /** LiveKit URL for the browser (`LIVEKIT_PUBLIC_URL`). */
  url: string;
  identity: string;
  role: Role;
  expiresAt: string;
  /** Whether the candidate may switch analysis groups off in this session. */
  allowOptOut: boolean;
}

/** Codes of failures on the client side; server codes (e.g. `invalid_invite`) are passed through unchanged. */
export type ClientErrorCode = 'server_unreachable' | 'bad_response' | 'timeout';

/** A refused or failed token request, with the token server's stable `code` when it sent one. */
export class TokenRequestError extends Error {
  override readonly name = 'TokenRequestError';
  readonly code: string;
  /** HTTP status, or 0 when no answer arrived. */
  readonly status: number;

  constructor(code: string, message: string, status: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Options of {@link requestToken}. */
export interface TokenClientOptions {
  /** Origin of the token server; default: same origin (`/api` is proxied by the dev server). */
  baseUrl: string;
  timeoutMs: number;
  fetch: typeof fetch;
}

const defaultOptions: TokenClientOptions = {
  baseUrl: '',
  timeoutMs: 10_000,
  fetch: (...args) => globalThis.fetch(...args),
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function readGrant(body: unknown): TokenGrant | undefined {
  if (!isRecord(body)) return undefined;
  const { token, url, identity, role, expiresAt, allowOptOut } = body;
  if (typeof token !== 'string' || !token || typeof identity !== 'string' || !identity) return undefined;
  if (typeof url !== 'string' || !/^wss?:\/\//.test(url)) return undefined;
  if (role !== 'candidate' && role !== 'interviewer') return undefined;
  return {
    token,
    url,
    identity,
    role,
    expiresAt: typeof expiresAt === 'string' ? expiresAt : '',
    allowOptOut: allowOptOut === true,
  };
}

function readError(body: unknown): { code: string; message: string } | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { code, message } = body.error;
  if (typeof code !== 'string' || !code) return undefined;
  return { code, message: typeof message === 'string' ? message : code };
}

/**
 * Asks the token server for a LiveKit token (`POST /api/token`). Throws a {@link TokenRequestError} whose `code`
 * is the server's error code (`invalid_invite`, `session_not_found`, `session_ended`, ...) or a client code.
 */
export async function requestToken(
  request: TokenRequest,
  options: Partial<TokenClientOptions> = {},
): Promise<TokenGrant> {
  const opts = { ...defaultOptions, ...options };
  let response: Response;
  try {
    response = await opts.fetch(`${opts.baseUrl}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') {
      throw new TokenRequestError(
        'timeout',
        `The token server did not answer within ${opts.timeoutMs} ms.`,
        0,
      );
    }
    throw new TokenRequestError('server_unreachable', 'The token server is unreachable.', 0);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) {
    const grant = readGrant(body);
    if (grant) return grant;
    throw new TokenRequestError(
      'bad_response',
      'The token server sent an unexpected answer.',
      response.status,
    );
  }
  const error = readError(body);
  if (error) throw new TokenRequestError(error.code, error.message, response.status);
  // No JSON error: a proxy answered for a token server that is down (Vite's proxy answers 500/502/504).
  if (response.status >= 500) {
    throw new TokenRequestError('server_unreachable', 'The token server is unreachable.', response.status);
  }
  throw new TokenRequestError(
    'bad_response',
    `The token server answered HTTP ${response.status}.`,
    response.status,
  );
}
