import { randomBytes } from 'node:crypto';
import { zValidator } from '@hono/zod-validator';
import {
  accommodationsSchema,
  joinConsentSchema,
  type Role,
  roleSchema,
  safeId,
  safeText,
} from '@interview-helper/protocol';
import {
  generateInvite,
  hashInvite,
  type InterviewStore,
  type PlanStore,
  StorageError,
} from '@interview-helper/storage';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { auditRoutes } from './audit-routes.js';
import { type TokenServerConfig, toHttpUrl } from './config.js';
import { checkJoinConsent, recordJoinConsent } from './consent-at-join.js';
import { Credentials } from './credentials.js';
import { type DataServices, dataRoutes } from './data-routes.js';
import { ApiError } from './errors.js';
import { type AddressOf, clientAddress, describeFailure, pathForLog, writeGuard } from './guards.js';
import type { Logger } from './log.js';
import { parsePlan, planRoutes, savePlanAtCreation } from './plan-routes.js';
import { processingRoutes } from './processing-routes.js';
import { AttemptLimiter } from './rate-limit.js';
import { reportRoutes } from './report.js';
import { LivekitRoomCloser, type RoomCloser } from './rooms.js';
import { sessionRoutes } from './session-routes.js';
import type { AgentSupervisor } from './supervisor.js';
import { supervisorRoutes } from './supervisor-routes.js';
import { issueToken } from './tokens.js';

export type { Logger } from './log.js';

/** What {@link createApp} needs. */
export interface AppDeps {
  store: InterviewStore;
  /** Interview plans (`plan` at creation, the plan routes); without it a plan is refused. */
  plans?: PlanStore;
  config: TokenServerConfig;
  /** Current time (session creation). */
  clock?: () => Date;
  logger?: Logger;
  /** Timeout of the LiveKit reachability probe in `GET /api/health`. */
  healthTimeoutMs?: number;
  /** Deletion and export of stored data (`data-routes.ts`); those routes are absent without it. */
  data?: DataServices;
  /** Closes a session's LiveKit room when it ends (default: LiveKit's RoomService). */
  rooms?: RoomCloser;
  /** Throttles failed invite and admin-token checks (default: {@link AttemptLimiter} defaults). */
  limiter?: AttemptLimiter;
  /** The client address rate limits count by (default: the TCP peer, see `TOKEN_SERVER_TRUST_PROXY`). */
  addressOf?: AddressOf;
  /** Keeps an agent in every session's room (`supervisor.ts`); with it the LiveKit webhook route is served. */
  supervisor?: AgentSupervisor;
}

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 16 * 1024;

const defaultDeps = {
  clock: () => new Date(),
  logger: console as Logger,
  healthTimeoutMs: 1000,
} satisfies Partial<AppDeps>;

const createSessionBody = z.strictObject({
  title: safeText({ max: 200 }).optional(),
  /** Whether the candidate may switch analysis groups off during the interview. */
  allowOptOut: z.boolean().default(false),
  /** Analyses not run at all for the candidate (`gaze`, `posture`, `delivery-pace`). */
  accommodations: accommodationsSchema.default([]),
  /** The interview plan (validated by `parsePlan`: `invalid_plan`, `plan_too_large`). */
  plan: z.unknown().optional(),
});

const tokenBody = z.strictObject({
  session: safeId(128),
  // Any string here: an unknown role is refused as role_not_allowed, not as malformed input.
  role: safeText({ max: 32 }),
  name: safeText({ max: 64 }),
  invite: safeId(256),
  /** The candidate's consent to the disclosure (recorded for the identity issued). */
  consent: joinConsentSchema.optional(),
});

function invalidRequest(result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}): ApiError | undefined {
  if (result.success || !result.error) return undefined;
  const detail = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
  return new ApiError('invalid_request', detail);
}

const validateJson = <T extends z.ZodType>(schema: T) =>
  zValidator('json', schema, (result, c) => {
    const err = invalidRequest(result);
    if (err) return c.json(err.toBody(), err.status);
  });

/** `Authorization: Bearer <ADMIN_TOKEN>` when an admin token is configured; open otherwise. */
function requireAdmin(adminToken: string | undefined, credentials: Credentials): MiddlewareHandler {
  return async (c, next) => {
    if (adminToken !== undefined) {
      credentials.gate(c);
      if (!credentials.isAdmin(c)) {
        credentials.failed(c);
        throw new ApiError('unauthorized', 'a valid admin bearer token is required to create sessions');
      }
    }
    await next();
  };
}

/** Whether LiveKit's HTTP endpoint answers (`GET /` → 200 "OK"). */
async function livekitReachable(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(new URL('/', toHttpUrl(url)), { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The token server's HTTP API: creates interview sessions and issues scoped, short-lived LiveKit tokens
 * that dispatch the agent. Every error is `{ error: { code, message } }` with a stable `code`.
 */
export function createApp(deps: AppDeps): Hono {
  const { store, config, clock, logger, healthTimeoutMs } = { ...defaultDeps, ...deps };
  const rooms =
    deps.rooms ?? new LivekitRoomCloser(config, { onError: (m) => logger.warn(`token server: ${m}`) });
  const credentials = new Credentials({
    adminToken: config.adminToken,
    limiter: deps.limiter ?? new AttemptLimiter(),
    addressOf: deps.addressOf ?? clientAddress(config.trustProxy),
  });
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      if (err.retryAfterSeconds !== undefined) c.header('retry-after', String(err.retryAfterSeconds));
      return c.json(err.toBody(), err.status);
    }
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's validator throws 400 for a body that is not JSON.
      const api = new ApiError(err.status === 413 ? 'payload_too_large' : 'invalid_request', err.message);
      return c.json(api.toBody(), api.status);
    }
    if (err instanceof StorageError && err.code === 'invalid_input') {
      // Validation keeps such values out; should one slip through, it is still the client's input.
      logger.warn(`${c.req.method} ${pathForLog(c)} refused by storage: ${describeFailure(err)}`);
      const api = new ApiError('invalid_request', 'a value was refused');
      return c.json(api.toBody(), api.status);
    }
    // Only the failure's class and own message: a driver error's cause carries SQL and its parameters.
    logger.error(`${c.req.method} ${pathForLog(c)} failed: ${describeFailure(err)}`);
    const api = new ApiError('internal', 'internal error');
    return c.json(api.toBody(), api.status);
  });
  app.notFound((c) => {
    const api = new ApiError('not_found', `no route for ${c.req.method} ${pathForLog(c)}`);
    return c.json(api.toBody(), api.status);
  });

  app.use('/api/*', writeGuard([new URL(config.webPublicUrl).origin]));

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => {
        const api = new ApiError('payload_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`);
        return c.json(api.toBody(), api.status);
      },
    }),
  );

  app.get('/api/health', async (c) => {
    return c.json({ ok: true, livekit: await livekitReachable(config.livekitUrl, healthTimeoutMs) });
  });

  app.post(
    '/api/sessions',
    requireAdmin(config.adminToken, credentials),
    validateJson(createSessionBody),
    async (c) => {
      const { title, allowOptOut, accommodations, plan: rawPlan } = c.req.valid('json');
      const plan = rawPlan === undefined ? undefined : parsePlan(rawPlan);
      if (plan && !deps.plans) throw new ApiError('invalid_plan', 'this server does not store plans');
      const invites: Record<Role, string> = { candidate: generateInvite(), interviewer: generateInvite() };
      const session = await store.createSession({
        roomName: `interview-${randomBytes(12).toString('base64url')}`,
        candidateInviteHash: hashInvite(invites.candidate),
        interviewerInviteHash: hashInvite(invites.interviewer),
        settings: {
          ...(title === undefined ? {} : { title }),
          allowOptOut,
          ...(accommodations.length ? { accommodations } : {}),
        },
        createdAt: clock(),
      });
      if (plan && deps.plans) await savePlanAtCreation(deps.plans, session.id, plan);
      const link = (role: Role) => {
        const url = new URL(`${config.webPublicUrl}/join`);
        url.search = new URLSearchParams({ session: session.id, role, invite: invites[role] }).toString();
        return url.toString();
      };
      logger.info(`session ${session.id} created (room ${session.roomName})`);
      return c.json(
        {
          session: {
            id: session.id,
            roomName: session.roomName,
            createdAt: session.createdAt.toISOString(),
            allowOptOut,
            accommodations,
          },
          invites,
          links: { candidate: link('candidate'), interviewer: link('interviewer') },
        },
        201,
      );
    },
  );

  app.post('/api/token', validateJson(tokenBody), async (c) => {
    const body = c.req.valid('json');
    const role = roleSchema.safeParse(body.role);
    if (!role.success) throw new ApiError('role_not_allowed', 'role must be "candidate" or "interviewer"');
    credentials.gate(c, body.session);
    const session = await store.getSession(body.session);
    if (!session) {
      credentials.failed(c, body.session);
      throw new ApiError('session_not_found', 'no such interview session');
    }
    if (session.endedAt) throw new ApiError('session_ended', 'this interview session has ended');
    const expected = role.data === 'candidate' ? session.candidateInviteHash : session.interviewerInviteHash;
    if (!credentials.inviteMatches(body.invite, expected)) {
      credentials.failed(c, body.session);
      throw new ApiError(
        'invalid_invite',
        `the invite is not valid for the ${role.data} role of this session`,
      );
    }
    checkJoinConsent(role.data, body.consent);
    const issued = await issueToken(config, {
      sessionId: session.id,
      roomName: session.roomName,
      role: role.data,
      name: body.name,
    });
    c.header('cache-control', 'no-store');
    deps.supervisor?.watch(session.roomName, session.id);
    const consentRecorded = await recordJoinConsent(
      store,
      session.id,
      issued.identity,
      body.consent,
      clock(),
    );
    return c.json({
      consentRecorded,
      token: issued.token,
      url: config.livekitPublicUrl,
      identity: issued.identity,
      role: role.data,
      expiresAt: issued.expiresAt.toISOString(),
      allowOptOut: session.settings.allowOptOut === true,
      accommodations: session.settings.accommodations ?? [],
    });
  });

  app.route('/api', reportRoutes(store, credentials));
  app.route('/api', auditRoutes({ store, credentials, clock }));
  app.route('/api', sessionRoutes({ store, credentials, rooms, clock, logger }));
  if (deps.supervisor) {
    const { livekitApiKey: apiKey, livekitApiSecret: apiSecret } = config;
    app.route('/api', supervisorRoutes({ supervisor: deps.supervisor, store, apiKey, apiSecret, logger }));
  }
  if (deps.plans) app.route('/api', planRoutes(store, deps.plans, credentials));
  if (config.agentMetricsUrl)
    app.route('/api', processingRoutes({ ...config, agentMetricsUrl: config.agentMetricsUrl, credentials }));
  if (deps.data)
    app.route('/api', dataRoutes(deps.data, { adminToken: config.adminToken, credentials, clock, logger }));

  return app;
}
