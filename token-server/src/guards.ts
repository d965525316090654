import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses writes a web page on another origin could send: every write must say `Content-Type:
 * application/json` (a cross-origin page cannot send that without a CORS preflight, which this server
 * never grants), and a browser's `Origin` must be the web client's (`WEB_PUBLIC_URL`) or the server's own.
 * Clients that send no `Origin` (curl, servers) are not browsers and pass.
 */
export function writeGuard(allowedOrigins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(allowedOrigins.map((o) => o.toLowerCase()));
  return async (c, next) => {
    if (!WRITE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      const own = new URL(c.req.url).origin.toLowerCase();
      const host = c.req.header('host');
      const sameHost = host !== undefined && originHost(origin) === host.toLowerCase();
      if (!allowed.has(origin.toLowerCase()) && origin.toLowerCase() !== own && !sameHost) {
        throw new ApiError('forbidden_origin', 'cross-origin writes are refused');
      }
    }
    if (c.req.header('sec-fetch-site') === 'cross-site') {
      throw new ApiError('forbidden_origin', 'cross-site writes are refused');
    }
    const type = c.req.header('content-type');
    if (type === undefined || !/^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(type)) {
      throw new ApiError('unsupported_media_type', 'writes must be sent as Content-Type: application/json');
    }
    return next();
  };
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Where a request comes from, for rate limits. */
export type AddressOf = (c: Context) => string;

/**
 * The client's address: the TCP peer, or with `trustProxy` the last `X-Forwarded-For` hop (the one the
 * proxy in front of this server added). `unknown` when neither is known (in-process requests).
 */
export function clientAddress(trustProxy: boolean): AddressOf {
  return (c) => {
    if (trustProxy) {
      const hop = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
      if (hop) return hop.slice(0, 64);
    }
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };
}

/**
 * Client-sent text made safe for one log line: control, format, separator and unpaired surrogate
 * characters become `\u{…}` escapes (so `%0A` in a path cannot forge a line), and it is cut at `max`.
 */
export function forLog(value: string, max = 200): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return cut.replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\\]/gu, (ch) =>
    ch === '\\' ? '\\\\' : `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`,
  );
}

/** The request's path as sent (still percent-encoded), escaped for a log line. */
export function pathForLog(c: Context): string {
  const raw = c.req.url;
  const start = raw.indexOf('/', raw.indexOf('//') + 2);
  const end = raw.indexOf('?', start);
  return forLog(start < 0 ? '/' : raw.slice(start, end < 0 ? undefined : end));
}

/**
 * What may be logged about a failure: its class, a stable code and its own message, never its causes
 * (a driver error carries the SQL text and parameters, an invite hash among them).
 */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const code = (err as { code?: unknown }).code;
  const message = err.message.split('\n')[0] ?? '';
  // A driver's message starts with the failed query; keep none of it.
  const safe = /^Failed query|params:/i.test(message) ? '(query failed)' : message;
  return forLog(`${err.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${safe}`, 300);
}
