import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** Limits of the listening HTTP server against slow or numerous clients. */
export interface ServerLimits {
  /** Time allowed to send the request headers (then 408 and the connection is closed). */
  headersTimeoutMs: number;
  /** Time allowed to send the whole request, body included. */
  requestTimeoutMs: number;
  /** Idle time of a kept-alive connection between requests. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; further ones are closed at once. */
  maxConnections: number;
  /** How often the timeouts above are checked. */
  checkIntervalMs: number;
}

export const defaultServerLimits: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  checkIntervalMs: 1_000,
};

/** Options of {@link listen}. */
export interface ListenOptions {
  hostname: string;
  port: number;
  limits?: Partial<ServerLimits>;
  onListening?: (info: { address: string; family: string; port: number }) => void;
}

/**
 * Serves `app` with Node's HTTP server under {@link ServerLimits}: a client that trickles its headers or
 * body is cut off after the timeouts, and connections beyond `maxConnections` are refused, so slow
 * clients cannot hold the server.
 */
export function listen(app: Hono, options: ListenOptions): Server {
  const limits = { ...defaultServerLimits, ...options.limits };
  const server = serve(
    {
      fetch: app.fetch,
      hostname: options.hostname,
      port: options.port,
      serverOptions: {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: limits.checkIntervalMs,
      },
    },
    options.onListening,
  ) as Server;
  server.maxConnections = limits.maxConnections;
  return server;
}
