import { InterviewStore, type OpenedDatabase, openDatabase, PlanStore } from '@interview-helper/storage';
import { type AppDeps, createApp, type Logger } from './app.js';
import { loadConfig, type TokenServerConfig } from './config.js';
import { AttemptLimiter } from './rate-limit.js';
import type { RoomCloser } from './rooms.js';

/** Test configuration: a LiveKit URL nothing listens on, fixed credentials. */
export const config: TokenServerConfig = {
  ...loadConfig({}),
  livekitApiKey: 'APItest',
  livekitApiSecret: 'test-secret-that-is-long-enough-for-hs256',
  livekitUrl: 'ws://127.0.0.1:9',
  livekitPublicUrl: 'wss://rtc.example.test',
  agentName: 'interview-helper-test',
  webPublicUrl: 'http://127.0.0.1:5173',
};

export interface Created {
  session: { id: string; roomName: string; createdAt: string; allowOptOut: boolean };
  invites: { candidate: string; interviewer: string };
  links: { candidate: string; interviewer: string };
}

export interface Grant {
  token: string;
  url: string;
  identity: string;
  role: string;
  expiresAt: string;
  allowOptOut: boolean;
}

export function capturingLogger(): Logger & { errors: unknown[]; lines: string[] } {
  const errors: unknown[] = [];
  const lines: string[] = [];
  return {
    errors,
    lines,
    info: (m) => lines.push(m),
    warn: (m) => lines.push(m),
    error: (m, err) => {
      lines.push(m);
      errors.push(err);
    },
  };
}

export const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** A {@link RoomCloser} that records the rooms it was asked to close. */
export function recordingRooms(answer = true): RoomCloser & { closed: string[] } {
  const closed: string[] = [];
  return {
    closed,
    close: async (name) => {
      closed.push(name);
      return answer ? 'closed' : 'unreachable';
    },
  };
}

/** A limiter no functional test reaches (the rate-limit tests use the defaults). */
export const lenientLimiter = () =>
  new AttemptLimiter({
    perAddress: { burst: 1e6, perMinute: 1e6 },
    perSession: { burst: 1e6, perMinute: 1e6 },
  });

/** An app on a fresh in-memory PGlite store; `deps` replaces any of the test defaults. */
export async function openTestApp(deps: Partial<AppDeps> = {}): Promise<{
  app: ReturnType<typeof createApp>;
  store: InterviewStore;
  database: OpenedDatabase;
  logger: ReturnType<typeof capturingLogger>;
  rooms: ReturnType<typeof recordingRooms>;
}> {
  const database = await openDatabase();
  const store = new InterviewStore(database.db);
  const logger = capturingLogger();
  const rooms = recordingRooms();
  const plans = new PlanStore(database.db);
  const app = createApp({ store, plans, config, logger, rooms, limiter: lenientLimiter(), ...deps });
  return { app, store, database, logger, rooms };
}

/** `POST /api/sessions` that must succeed. */
export async function createSession(
  app: ReturnType<typeof createApp>,
  body: unknown = { title: 'Backend engineer' },
): Promise<Created> {
  const res = await app.request('/api/sessions', json(body));
  if (res.status !== 201) throw new Error(`POST /api/sessions → ${res.status} ${await res.text()}`);
  return (await res.json()) as Created;
}

/** `POST /api/token` with its status and parsed body. */
export async function requestToken(app: ReturnType<typeof createApp>, body: Record<string, unknown>) {
  const res = await app.request('/api/token', json(body));
  return {
    status: res.status,
    body: (await res.json()) as Partial<Grant> & { error?: { code: string; message: string } },
  };
}
