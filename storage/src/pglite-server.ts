import { createServer, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { z } from 'zod';
import { createPglite, MIGRATIONS_FOLDER } from './database.js';
import { WireProtocolQueue } from './pglite-queue.js';

/** Options of {@link startPgliteServer}. */
export interface PgliteServerOptions {
  /** PGlite data directory; in-memory when unset. */
  dataDir?: string;
  host?: string;
  /** TCP port; 0 picks a free one. */
  port?: number;
  /** Most simultaneous client connections (each pool connection counts). */
  maxConnections?: number;
  /** Apply the interview migrations before accepting connections. */
  migrate?: boolean;
}

/** Defaults of {@link PgliteServerOptions}. */
export const defaultOptions = {
  host: '127.0.0.1',
  port: 5433,
  maxConnections: 64,
  migrate: true,
} satisfies PgliteServerOptions;

/** A running PGlite server. */
export interface PgliteServer {
  /** Connection URL for postgres.js, e.g. `postgres://postgres@127.0.0.1:5433/postgres`. */
  url: string;
  port: number;
  /** Connections currently attached. */
  connections(): number;
  stop(): Promise<void>;
}

/**
 * Serves one PGlite data directory over the Postgres wire protocol so that several processes (the token
 * server and one agent job process per room) can share it. Uses `PGLiteSocketHandler` from
 * `@electric-sql/pglite-socket` for the wire framing and {@link WireProtocolQueue} to multiplex
 * connections. Migrations are applied here, before the first client connects.
 *
 * Limits of a multiplexed single backend: one exchange or transaction runs at a time; session state
 * (`SET`, advisory locks, temp tables) is shared by all clients.
 */
export async function startPgliteServer(options: PgliteServerOptions = {}): Promise<PgliteServer> {
  const opts = { ...defaultOptions, ...options };
  const db = await createPglite(opts.dataDir);
  if (opts.migrate) await migrate(drizzle({ client: db }), { migrationsFolder: MIGRATIONS_FOLDER });

  const queue = new WireProtocolQueue(db);
  const handlers = new Set<PGLiteSocketHandler>();
  const sockets = new Set<Socket>();

  const onConnection = async (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // reported through the handler; never crash the server
    if (handlers.size >= opts.maxConnections) {
      socket.end(errorResponse('53300', 'too many connections to the PGlite server'));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const handler = new PGLiteSocketHandler({
      // The handler only calls enqueue / clearQueueForHandler / clearTransactionIfNeeded.
      queryQueue: queue as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    handlers.add(handler);
    const release = () => handlers.delete(handler);
    handler.addEventListener('close', release);
    handler.addEventListener('error', release);
    try {
      await handler.attach(socket);
    } catch {
      release();
      socket.destroy();
    }
  };

  const server: Server = createServer((socket) => void onConnection(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...handlers].map((h) => h.detach(true)));
      handlers.clear();
      for (const socket of sockets) socket.destroy();
      await closed;
      await db.close();
    })();
    return stopping;
  };

  return {
    url: `postgres://postgres@${opts.host}:${port}/postgres`,
    port,
    connections: () => handlers.size,
    stop,
  };
}

/** A wire-protocol ErrorResponse, so clients over the connection limit get a proper error. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const msg = Buffer.alloc(5 + fields.length);
  msg[0] = 0x45; // 'E'
  msg.writeInt32BE(4 + fields.length, 1);
  fields.copy(msg, 5);
  return msg;
}

/** The program's settings: `PGLITE_DIR` and `PGLITE_PORT`, read once at start. */
const envSchema = z.object({
  PGLITE_DIR: z.string().min(1).default('.data/pglite'),
  PGLITE_PORT: z.coerce.number().int().min(0).max(65_535).default(defaultOptions.port),
});

async function main(): Promise<void> {
  const present = Object.fromEntries(
    Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const env = envSchema.safeParse(present);
  if (!env.success) {
    const issues = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid PGlite server configuration: ${issues}`);
  }
  const { PGLITE_DIR: dataDir, PGLITE_PORT: port } = env.data;
  const server = await startPgliteServer({ dataDir, port });
  console.log(`PGlite (${dataDir}) listening: DATABASE_URL=${server.url}`);
  let stopping = false;
  // `on`, not `once`: a second signal while the database closes (a group signal relayed by a wrapper process)
  // must not take the default action and kill the process before the close has finished
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      (err) => {
        console.error('PGlite server stop failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
