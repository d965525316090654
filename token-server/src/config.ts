import { z } from 'zod';

/** Longest token lifetime allowed unless `TOKEN_TTL_ALLOW_LONG=true`. */
export const MAX_TOKEN_TTL_SECONDS = 900;

/** Token server settings, parsed from the environment by {@link loadConfig}. */
export interface TokenServerConfig {
  /** LiveKit URL the server itself talks to (health check). */
  livekitUrl: string;
  /** LiveKit URL handed to browsers. */
  livekitPublicUrl: string;
  livekitApiKey: string;
  livekitApiSecret: string;
  /** Name the agent worker registered with; tokens dispatch it explicitly. */
  agentName: string;
  /** Postgres URL; unset → embedded PGlite in `pgliteDir`. */
  databaseUrl: string | undefined;
  pgliteDir: string;
  host: string;
  port: number;
  tokenTtlSeconds: number;
  /** Base URL of the web client, for invite links. */
  webPublicUrl: string;
  /** Bearer token required to create sessions; unset → anyone may (only on a loopback-only stack). */
  adminToken: string | undefined;
  /**
   * Minutes a room may stay without any participant before the agent ends its session (0: never); rooms
   * are created to stay open that long (plus a margin) so the agent can wait for people to come back.
   */
  sessionIdleEndMinutes: number;
  /** Take the client address for rate limits from the last `X-Forwarded-For` hop (behind a proxy). */
  trustProxy: boolean;
  /** The agent worker's metrics server; `GET /api/health/processing` is served only when set. */
  agentMetricsUrl?: string;
  /**
   * Agent supervisor (`supervisor.ts`): time an agent gets to arrive, when within it to look whether a worker took
   * the dispatch (0: never), and dispatches tried before giving up.
   */
  supervisor: { arrivalTimeoutSeconds: number; takenCheckSeconds: number; maxAttempts: number };
}

/** LiveKit's development credentials (`livekit-server --dev`, `npm run dev`). */
export const DEV_CREDENTIALS = { key: 'devkey', secret: 'secret' } as const;

/** The configuration is invalid; `issues` lists every problem, one per variable. */
export class ConfigError extends Error {
  readonly issues: string[];

  constructor(issues: string[]) {
    super(`Invalid token server configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(' or ')})` },
  );

const livekitUrl = url(['ws:', 'wss:', 'http:', 'https:']);

const envSchema = z.object({
  LIVEKIT_URL: livekitUrl.default('ws://127.0.0.1:7880'),
  LIVEKIT_PUBLIC_URL: livekitUrl.optional(),
  LIVEKIT_API_KEY: z.string().min(1).optional(),
  LIVEKIT_API_SECRET: z.string().min(1).optional(),
  AGENT_NAME: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "-" or "."')
    .default('interview-helper'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  PGLITE_DIR: z.string().min(1).default('.data/pglite'),
  TOKEN_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  TOKEN_SERVER_PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
  TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).default(MAX_TOKEN_TTL_SECONDS),
  TOKEN_TTL_ALLOW_LONG: z.enum(['true', 'false']).default('false'),
  WEB_PUBLIC_URL: url(['http:', 'https:']).default('http://127.0.0.1:5173'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SESSION_IDLE_END_MINUTES: z.coerce
    .number()
    .finite()
    .min(0)
    .max(24 * 60)
    .default(10),
  TOKEN_SERVER_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  AGENT_METRICS_URL: url(['http:', 'https:']).optional(),
  AGENT_ARRIVAL_TIMEOUT_SECONDS: z.coerce.number().finite().min(1).max(600).default(12),
  AGENT_DISPATCH_ATTEMPTS: z.coerce.number().int().min(0).max(20).default(4),
  AGENT_DISPATCH_CHECK_SECONDS: z.coerce.number().finite().min(0).max(600).default(7),
});

/** Whether a host name or address only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

function urlHost(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return new URL(value).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Reads the configuration from environment variables (names as in the README). Empty values count as
 * unset. Throws a {@link ConfigError} listing every missing or invalid variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): TokenServerConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = envSchema.safeParse(present);
  const issues = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  // Checked apart from the schema so that it is reported together with every other problem.
  const ttl = Number(present.TOKEN_TTL_SECONDS ?? MAX_TOKEN_TTL_SECONDS);
  if (ttl > MAX_TOKEN_TTL_SECONDS && present.TOKEN_TTL_ALLOW_LONG !== 'true') {
    issues.push(
      `TOKEN_TTL_SECONDS: must be at most ${MAX_TOKEN_TTL_SECONDS} (set TOKEN_TTL_ALLOW_LONG=true to allow longer)`,
    );
  }
  // Development shortcuts (open session creation, devkey/secret) only while nothing leaves this machine.
  const hosts = [
    present.TOKEN_SERVER_HOST ?? '127.0.0.1',
    urlHost(present.LIVEKIT_URL) ?? '127.0.0.1',
    urlHost(present.LIVEKIT_PUBLIC_URL ?? present.LIVEKIT_URL) ?? '127.0.0.1',
  ];
  const loopbackOnly = hosts.every(isLoopbackHost);
  if (!isLoopbackHost(present.TOKEN_SERVER_HOST ?? '127.0.0.1') && !present.ADMIN_TOKEN) {
    issues.push(
      'ADMIN_TOKEN: required when TOKEN_SERVER_HOST is not a loopback address (anyone who reaches the server could create sessions)',
    );
  }
  const devKey = (present.LIVEKIT_API_KEY ?? DEV_CREDENTIALS.key) === DEV_CREDENTIALS.key;
  const devSecret = (present.LIVEKIT_API_SECRET ?? DEV_CREDENTIALS.secret) === DEV_CREDENTIALS.secret;
  if (!loopbackOnly && (devKey || devSecret)) {
    issues.push(
      `LIVEKIT_API_KEY/LIVEKIT_API_SECRET: the development credentials (${DEV_CREDENTIALS.key}/${DEV_CREDENTIALS.secret}, also the defaults) are refused unless TOKEN_SERVER_HOST, LIVEKIT_URL and LIVEKIT_PUBLIC_URL are all loopback`,
    );
  }
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  const e = parsed.data;
  return {
    livekitUrl: e.LIVEKIT_URL,
    livekitPublicUrl: toWebSocketUrl(e.LIVEKIT_PUBLIC_URL ?? e.LIVEKIT_URL),
    livekitApiKey: e.LIVEKIT_API_KEY ?? DEV_CREDENTIALS.key,
    livekitApiSecret: e.LIVEKIT_API_SECRET ?? DEV_CREDENTIALS.secret,
    agentName: e.AGENT_NAME,
    databaseUrl: e.DATABASE_URL,
    pgliteDir: e.PGLITE_DIR,
    host: e.TOKEN_SERVER_HOST,
    port: e.TOKEN_SERVER_PORT,
    tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
    webPublicUrl: e.WEB_PUBLIC_URL.replace(/\/+$/, ''),
    adminToken: e.ADMIN_TOKEN,
    sessionIdleEndMinutes: e.SESSION_IDLE_END_MINUTES,
    trustProxy: e.TOKEN_SERVER_TRUST_PROXY === 'true',
    ...(e.AGENT_METRICS_URL ? { agentMetricsUrl: e.AGENT_METRICS_URL } : {}),
    supervisor: {
      arrivalTimeoutSeconds: e.AGENT_ARRIVAL_TIMEOUT_SECONDS,
      takenCheckSeconds: e.AGENT_DISPATCH_CHECK_SECONDS,
      maxAttempts: e.AGENT_DISPATCH_ATTEMPTS,
    },
  };
}

/** Whether the LiveKit credentials are the development defaults. */
export function usesDevCredentials(config: TokenServerConfig): boolean {
  return config.livekitApiKey === DEV_CREDENTIALS.key || config.livekitApiSecret === DEV_CREDENTIALS.secret;
}

/** The ws(s):// form of a LiveKit URL (browsers connect over WebSocket). */
export function toWebSocketUrl(value: string): string {
  return value.replace(/^http(s?):/, 'ws$1:');
}

/** The http(s):// form of a LiveKit URL (health checks, server APIs). */
export function toHttpUrl(value: string): string {
  return value.replace(/^ws(s?):/, 'http$1:');
}
