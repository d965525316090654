import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { logger } from '../log.js';
import type { MetricsAggregator } from './aggregator.js';

/** Path job processes push their metrics to (loopback only). */
export const PUSH_PATH = '/internal/metrics';

/** Options of a {@link MetricsServer}. */
export interface MetricsServerOptions {
  aggregator: MetricsAggregator;
  /** Largest push accepted. */
  maxBodyBytes: number;
  /**
   * Serve `GET /metrics` and `GET /api/health/processing`; false (`AGENT_METRICS=off`): only the job processes'
   * pushes, which the worker's admission reads.
   */
  scrape: boolean;
}

export const defaultMetricsServerOptions = {
  maxBodyBytes: 1024 * 1024,
  scrape: true,
} satisfies Partial<MetricsServerOptions>;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * The worker's metrics server on 127.0.0.1: `GET /metrics` (Prometheus text), `GET /api/health/processing`
 * (JSON, per-room load and latency) and `POST /internal/metrics` (the job processes' pushes; the only route when
 * `scrape` is off). {@link handle} answers a fetch `Request`, so the routes are tested without a socket.
 */
export class MetricsServer {
  #o: MetricsServerOptions;
  #server?: Server;
  #log = logger('metrics');

  constructor(opts: Pick<MetricsServerOptions, 'aggregator'> & Partial<MetricsServerOptions>) {
    this.#o = { ...defaultMetricsServerOptions, ...opts };
  }

  /** Answers one request. */
  async handle(req: Request): Promise<Response> {
    const { pathname } = new URL(req.url);
    const agg = this.#o.aggregator;
    const routes = this.#o.scrape ? ['/metrics', '/api/health/processing', PUSH_PATH] : [PUSH_PATH];
    if (!routes.includes(pathname)) return json({ error: 'not found' }, 404);
    if (pathname === '/metrics' && req.method === 'GET')
      return new Response(await agg.metrics(), { headers: { 'content-type': agg.contentType } });
    if (pathname === '/api/health/processing' && req.method === 'GET') return json(await agg.health());
    if (pathname === PUSH_PATH && req.method === 'POST') {
      const length = Number(req.headers.get('content-length') ?? 0);
      if (length > this.#o.maxBodyBytes) return json({ error: 'push too large' }, 413);
      const text = await req.text();
      if (Buffer.byteLength(text) > this.#o.maxBodyBytes) return json({ error: 'push too large' }, 413);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return json({ error: 'not JSON' }, 400);
      }
      const result = agg.accept(body);
      if (!result.ok) {
        this.#log.warn({ error: result.error }, 'metrics push refused');
        return json({ error: result.error }, 400);
      }
      return new Response(null, { status: 204 });
    }
    return json({ error: 'method not allowed' }, 405);
  }

  /** Listens on 127.0.0.1:`port` (0: any free port); returns the server's base URL. */
  async listen(port: number): Promise<string> {
    const server = createServer((req, res) => void this.#serve(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.unref();
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > this.#o.maxBodyBytes) {
          res.writeHead(413).end();
          req.destroy();
          return;
        }
        chunks.push(chunk as Buffer);
      }
      const method = req.method ?? 'GET';
      const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, {
        method,
        headers: req.headers as Record<string, string>,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      const response = await this.handle(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (err) {
      this.#log.error({ err }, 'metrics request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  }
}
