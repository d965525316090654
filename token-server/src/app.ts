import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { zValidator } from '@hono/zod-validator';
import { type Role, roleSchema } from '@interview-helper/protocol';
import {
  generateInvite,
  hashInvite,
  type InterviewStore,
  inviteMatches,
  type PlanStore,
} from '@interview-helper/storage';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { type TokenServerConfig, toHttpUrl } from './config.js';
import { ApiError } from './errors.js';
import { parsePlan, planRoutes, savePlanAtCreation } from './plan-routes.js';
import { reportRoutes } from './report.js';
import { issueToken } from './tokens.js';

/** Where the app reports what clients must not see. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}

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
}

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 16 * 1024;

const defaultDeps = {
  clock: () => new Date(),
  logger: console as Logger,
  healthTimeoutMs: 1000,
} satisfies Partial<AppDeps>;

/** Printable text without control characters. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

const createSessionBody = z.strictObject({
  title: text(200).optional(),
  /** Whether the candidate may switch analysis groups off during the interview. */
  allowOptOut: z.boolean().default(false),
  /** The interview plan (validated by `parsePlan`: `invalid_plan`, `plan_too_large`). */
  plan: z.unknown().optional(),
});

const tokenBody = z.strictObject({
  session: z.string().min(1).max(128),
  // Any string here: an unknown role is refused as role_not_allowed, not as malformed input.
  role: z.string().min(1).max(32),
  name: text(64),
  invite: z.string().min(1).max(256),
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

/** Bodies must be JSON when present (a missing Content-Type reads as an empty object). */
const requireJson: MiddlewareHandler = async (c, next) => {
  const type = c.req.header('content-type');
  if (type !== undefined && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new ApiError('invalid_request', 'Content-Type must be application/json');
  }
  await next();
};

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Authorization: Bearer <ADMIN_TOKEN>` when an admin token is configured; open otherwise. */
function requireAdmin(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (adminToken !== undefined) {
      const presented = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      if (!timingSafeEqual(digest(presented), digest(adminToken))) {
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
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toBody(), err.status);
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's validator throws 400 for a body that is not JSON.
      const api = new ApiError(err.status === 413 ? 'payload_too_large' : 'invalid_request', err.message);
      return c.json(api.toBody(), api.status);
    }
    logger.error(`${c.req.method} ${c.req.path} failed`, err);
    const api = new ApiError('internal', 'internal error');
    return c.json(api.toBody(), api.status);
  });
  app.notFound((c) => {
    const api = new ApiError('not_found', `no route for ${c.req.method} ${c.req.path}`);
    return c.json(api.toBody(), api.status);
  });

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
    requireAdmin(config.adminToken),
    requireJson,
    validateJson(createSessionBody),
    async (c) => {
      const { title, allowOptOut, plan: rawPlan } = c.req.valid('json');
      const plan = rawPlan === undefined ? undefined : parsePlan(rawPlan);
      if (plan && !deps.plans) throw new ApiError('invalid_plan', 'this server does not store plans');
      const invites: Record<Role, string> = { candidate: generateInvite(), interviewer: generateInvite() };
      const session = await store.createSession({
        roomName: `interview-${randomBytes(12).toString('base64url')}`,
        candidateInviteHash: hashInvite(invites.candidate),
        interviewerInviteHash: hashInvite(invites.interviewer),
        settings: { ...(title === undefined ? {} : { title }), allowOptOut },
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
          },
          invites,
          links: { candidate: link('candidate'), interviewer: link('interviewer') },
        },
        201,
      );
    },
  );

  app.post('/api/token', requireJson, validateJson(tokenBody), async (c) => {
    const body = c.req.valid('json');
    const role = roleSchema.safeParse(body.role);
    if (!role.success) throw new ApiError('role_not_allowed', 'role must be "candidate" or "interviewer"');
    const session = await store.getSession(body.session);
    if (!session) throw new ApiError('session_not_found', 'no such interview session');
    if (session.endedAt) throw new ApiError('session_ended', 'this interview session has ended');
    const expected = role.data === 'candidate' ? session.candidateInviteHash : session.interviewerInviteHash;
    if (!inviteMatches(body.invite, expected)) {
      throw new ApiError(
        'invalid_invite',
        `the invite is not valid for the ${role.data} role of this session`,
      );
    }
    const issued = await issueToken(config, {
      sessionId: session.id,
      roomName: session.roomName,
      role: role.data,
      name: body.name,
    });
    return c.json({
      token: issued.token,
      url: config.livekitPublicUrl,
      identity: issued.identity,
      role: role.data,
      expiresAt: issued.expiresAt.toISOString(),
      allowOptOut: session.settings.allowOptOut === true,
    });
  });

  app.route('/api', reportRoutes(store));
  if (deps.plans) app.route('/api', planRoutes(store, deps.plans));

  return app;
}
