import { logger } from '../log.js';
import { MetricsAggregator, type RecognizerLoad } from './aggregator.js';
import { MetricsServer, PUSH_PATH } from './server.js';

/** The metrics settings of the agent configuration (`AGENT_METRICS*`). */
export interface MetricsSettings {
  enabled: boolean;
  /** Port of the worker's metrics server on 127.0.0.1 (0: any free port). */
  port: number;
  /** How often each job process pushes its room's metrics. */
  pushMs: number;
  /** Where job processes push (set by the worker for them). */
  url?: string;
}

/** The worker's running metrics server. */
export interface WorkerMetrics {
  /** Base URL (`http://127.0.0.1:port`). */
  url: string;
  /** Where job processes push: hand it to them as `AGENT_METRICS_PUSH_URL`. */
  pushUrl: string;
  aggregator: MetricsAggregator;
  server: MetricsServer;
}

/**
 * Starts the worker's metrics server (`GET /metrics`, `GET /api/health/processing`) before any job process
 * exists; `recognizer` is the shared local speech recognizer when this worker runs it. Undefined when off. When
 * the port is taken (a second worker on this machine), it serves on a free port instead and logs it: metrics never
 * keep a worker from starting.
 */
export async function startWorkerMetrics(
  settings: MetricsSettings,
  recognizer?: { stats(signal?: AbortSignal): Promise<RecognizerLoad> },
): Promise<WorkerMetrics | undefined> {
  if (!settings.enabled) return undefined;
  const aggregator = new MetricsAggregator({
    // three pushes missed, and never less than 10 s (a busy job process may push late)
    staleAfterMs: Math.max(10_000, 3 * settings.pushMs),
    processMetrics: true,
    ...(recognizer ? { recognizer: () => recognizer.stats(AbortSignal.timeout(1000)) } : {}),
  });
  const server = new MetricsServer({ aggregator });
  const log = logger('metrics');
  const url = await server.listen(settings.port).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE' || settings.port === 0) throw err;
    const other = await server.listen(0);
    log.warn(
      { port: settings.port, url: other },
      'AGENT_METRICS_PORT is taken; metrics served on a free port',
    );
    return other;
  });
  log.info({ url }, 'metrics: GET /metrics and /api/health/processing');
  return { url, pushUrl: `${url}${PUSH_PATH}`, aggregator, server };
}
