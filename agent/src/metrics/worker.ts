import { logger } from '../log.js';
import { MetricsAggregator, type RecognizerLoad } from './aggregator.js';
import { MetricsServer, PUSH_PATH } from './server.js';

/** The metrics settings of the agent configuration (`AGENT_METRICS*`). */
export interface MetricsSettings {
  /**
   * Serve `GET /metrics` and `GET /api/health/processing` on `port`. Off, job processes still push to the worker
   * (on a free loopback port): its admission reads their analysis lag there.
   */
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
 * Starts the worker's metrics server before any job process exists: the one channel from the job processes to
 * the worker (their pushes, read by `/metrics`, `/api/health/processing` and the admission); `recognizer` is the
 * shared local speech recognizer when this worker runs it. When the port is taken (a second worker on this
 * machine), it serves on a free port instead and logs it: metrics never keep a worker from starting. With metrics
 * off it takes only the pushes, on a free port.
 */
export async function startWorkerMetrics(
  settings: MetricsSettings,
  recognizer?: { stats(signal?: AbortSignal): Promise<RecognizerLoad> },
): Promise<WorkerMetrics> {
  const aggregator = new MetricsAggregator({
    // three pushes missed, and never less than 10 s (a busy job process may push late)
    staleAfterMs: Math.max(10_000, 3 * settings.pushMs),
    processMetrics: settings.enabled,
    ...(recognizer ? { recognizer: () => recognizer.stats(AbortSignal.timeout(1000)) } : {}),
  });
  const server = new MetricsServer({ aggregator, scrape: settings.enabled });
  const log = logger('metrics');
  const port = settings.enabled ? settings.port : 0;
  const url = await server.listen(port).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE' || port === 0) throw err;
    const other = await server.listen(0);
    log.warn({ port, url: other }, 'AGENT_METRICS_PORT is taken; metrics served on a free port');
    return other;
  });
  if (settings.enabled) log.info({ url }, 'metrics: GET /metrics and /api/health/processing');
  else log.info({ url }, 'metrics off: no /metrics; job processes push only for the admission');
  return { url, pushUrl: `${url}${PUSH_PATH}`, aggregator, server };
}
