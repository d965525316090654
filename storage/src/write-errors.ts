const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * Whether an error says the database cannot be reached (refused, reset, shutting down, too many
 * connections): such a write is retried for as long as it takes.
 */
export function isConnectionError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (CONNECTION_CODES.has(code)) return true;
      // SQLSTATE: 08 connection exception, 57P0x shutting down / cannot connect now, 53 out of resources
      if (/^(08|53)[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code)) return true;
    }
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some(isConnectionError)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The messages of an error and its causes, for logs and status (at most 500 characters). */
export const messageOf = (err: unknown): string => {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if (e instanceof Error) parts.push(e.message);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(': ').slice(0, 500);
};
