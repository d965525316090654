import { safeId, safeText } from '@interview-helper/protocol';
import {
  type Database,
  type DeletionReceiptRow,
  InterviewStore,
  MAX_REQUESTED_BY,
  SessionDeletion,
  SessionExporter,
} from '@interview-helper/storage';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { TokenServerConfig } from './config.js';
import type { Credentials } from './credentials.js';
import { SessionEraser } from './erase.js';
import { ApiError } from './errors.js';
import { LivekitRoomCloser, type RoomCloser } from './rooms.js';

/** The stored-data services behind {@link dataRoutes}. */
export interface DataServices {
  store: InterviewStore;
  deletion: SessionDeletion;
  eraser: SessionEraser;
  exporter: SessionExporter;
}

/** The data services on one database; rooms are closed through the configured LiveKit server by default. */
export function dataServices(
  db: Database,
  config: TokenServerConfig,
  overrides: { rooms?: RoomCloser; clock?: () => Date } = {},
): DataServices {
  const deletion = new SessionDeletion(db);
  const rooms = overrides.rooms ?? new LivekitRoomCloser(config);
  return {
    store: new InterviewStore(db),
    deletion,
    eraser: new SessionEraser({ deletion, rooms, ...(overrides.clock ? { clock: overrides.clock } : {}) }),
    exporter: new SessionExporter(db),
  };
}

/** Options of {@link dataRoutes}. */
export interface DataRoutesOptions {
  /** `ADMIN_TOKEN`; without it every data route answers `unauthorized` (deletion and export are never open). */
  adminToken: string | undefined;
  /** Checks the admin token under the server's attempt limiter. */
  credentials: Credentials;
  clock?: () => Date;
  logger?: { info(message: string): void };
}

const sessionId = safeId(128);

const deleteBody = z.strictObject({
  requestedBy: safeText({ max: MAX_REQUESTED_BY }).optional(),
});

/** A receipt as JSON (times as ISO strings). */
export function receiptJson(r: DeletionReceiptRow) {
  return {
    id: r.id,
    sessionId: r.sessionId,
    roomName: r.roomName,
    sessionCreatedAt: r.sessionCreatedAt.toISOString(),
    deletedAt: r.deletedAt.toISOString(),
    requestedBy: r.requestedBy,
    reason: r.reason,
    room: r.room,
    rows: r.rows,
  };
}

async function bodyOf(c: Context): Promise<z.infer<typeof deleteBody>> {
  const raw = await c.req.text();
  if (raw.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ApiError('invalid_request', 'the body must be JSON');
  }
  const parsed = deleteBody.safeParse(value);
  if (!parsed.success) {
    throw new ApiError('invalid_request', parsed.error.issues.map((i) => i.message).join('; '));
  }
  return parsed.data;
}

/**
 * Deletion and access to a session's stored data, for the deployer's administrator only
 * (`Authorization: Bearer <ADMIN_TOKEN>`; refused when `ADMIN_TOKEN` is unset):
 *
 * - `DELETE /sessions/:id` (optional body `{ requestedBy }`): closes the room if open, deletes every stored row
 *   of the session and answers `{ receipt, alreadyDeleted: false }`; again for a deleted session it deletes
 *   nothing and answers the first receipt with `alreadyDeleted: true`; an id never seen is 404
 *   `session_not_found`.
 * - `GET /sessions/:id/deletion`: the deletion receipt (404 `not_found` while the session exists).
 * - `GET /sessions/:id/export[?identity=…]`: everything stored about the session's candidate (or one candidate
 *   identity) as JSON.
 */
export function dataRoutes(services: DataServices, options: DataRoutesOptions): Hono {
  const { store, deletion, eraser, exporter } = services;
  const clock = options.clock ?? (() => new Date());
  const app = new Hono();
  // Per route, never `app.use`: a sub-app's middleware would also guard the parent's other session routes.
  const admin = requireAdmin(options.adminToken !== undefined, options.credentials);

  app.delete('/sessions/:id', admin, async (c) => {
    const { requestedBy = 'admin' } = await bodyOf(c);
    const id = c.req.param('id');
    const session = id.length <= 128 ? await store.getSession(id) : undefined;
    const result = await eraser.erase(session ?? { id }, { requestedBy, reason: 'request' });
    if (result.status === 'not-found') throw new ApiError('session_not_found', 'no such interview session');
    if (result.status === 'deleted') {
      const rows = Object.values(result.receipt.rows).reduce((a, b) => a + b, 0);
      options.logger?.info(`session ${id} deleted (${rows} rows, room ${result.receipt.room})`);
    }
    c.header('cache-control', 'no-store');
    return c.json({
      receipt: receiptJson(result.receipt),
      alreadyDeleted: result.status === 'already-deleted',
    });
  });

  app.get('/sessions/:id/deletion', admin, async (c) => {
    const receipt = await deletion.getReceipt(c.req.param('id'));
    if (!receipt) throw new ApiError('not_found', 'this session has no deletion receipt');
    c.header('cache-control', 'no-store');
    return c.json({ receipt: receiptJson(receipt) });
  });

  app.get('/sessions/:id/export', admin, async (c) => {
    const identity = c.req.query('identity');
    const id = c.req.param('id');
    const result = await exporter.exportCandidate(id, {
      ...(identity === undefined ? {} : { identity }),
      at: clock(),
    });
    if (result === 'session-not-found') throw new ApiError('session_not_found', 'no such interview session');
    if (result === 'participant-not-found') {
      throw new ApiError('not_found', 'no candidate with this identity joined the session');
    }
    c.header('cache-control', 'no-store');
    c.header('content-disposition', `attachment; filename="candidate-export-${encodeURIComponent(id)}.json"`);
    return c.json(result);
  });

  return app;
}

function requireAdmin(configured: boolean, credentials: Credentials): MiddlewareHandler {
  return async (c, next) => {
    if (!configured) {
      throw new ApiError('unauthorized', 'deletion and export need ADMIN_TOKEN to be set on the server');
    }
    credentials.gate(c);
    if (!credentials.isAdmin(c)) {
      credentials.failed(c);
      throw new ApiError('unauthorized', 'a valid admin bearer token is required');
    }
    if (!sessionId.safeParse(c.req.param('id')).success) {
      throw new ApiError('invalid_request', 'the session id is malformed');
    }
    await next();
  };
}
