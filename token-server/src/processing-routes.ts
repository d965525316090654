import { processingHealthSchema } from '@interview-helper/protocol';
import { Hono } from 'hono';
import type { Credentials } from './credentials.js';
import { ApiError } from './errors.js';

/** What {@link processingRoutes} needs. */
export interface ProcessingRoutesDeps {
  /** Base URL of the agent worker's metrics server (`AGENT_METRICS_URL`, e.g. `http://127.0.0.1:8082`). */
  agentMetricsUrl: string;
  /** `ADMIN_TOKEN`: when set, the statistics are for the admin only (they name rooms and sessions). */
  adminToken: string | undefined;
  credentials: Credentials;
  /** Longest wait for the agent worker. */
  timeoutMs?: number;
  /** The HTTP client (tests hand in a stand-in). */
  fetch?: typeof fetch;
}

/**
 * `GET /health/processing`: the agent worker's processing statistics (per active room: session, uptime, each
 * analyser's p50/p95 processing time, queue, samples analysed and dropped, lag, speech-to-text and hint latency;
 * the worker's totals), read from its metrics server and checked against `processingHealthSchema`. With
 * `ADMIN_TOKEN` set it needs `Authorization: Bearer <ADMIN_TOKEN>`. Errors: `unauthorized`, `too_many_attempts`,
 * and 503 `agent_unavailable` when the worker does not answer in time or answers something else.
 */
export function processingRoutes(deps: ProcessingRoutesDeps): Hono {
  const { credentials, adminToken } = deps;
  const get = deps.fetch ?? fetch;
  const timeoutMs = deps.timeoutMs ?? 2000;
  const url = `${deps.agentMetricsUrl.replace(/\/+$/, '')}/api/health/processing`;
  const app = new Hono();
  app.get('/health/processing', async (c) => {
    if (adminToken !== undefined) {
      credentials.gate(c);
      if (!credentials.isAdmin(c)) {
        credentials.failed(c);
        throw new ApiError(
          'unauthorized',
          'a valid admin bearer token is required for processing statistics',
        );
      }
    }
    try {
      const res = await get(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`agent worker answered HTTP ${res.status}`);
      return c.json(processingHealthSchema.parse(await res.json()));
    } catch (err) {
      const message = err instanceof Error && err.name !== 'ZodError' ? err.message : 'unexpected answer';
      return c.json(
        {
          error: {
            code: 'agent_unavailable',
            message: `no processing statistics from the agent: ${message}`,
          },
        },
        503,
      );
    }
  });
  return app;
}
