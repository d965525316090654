import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RoomServiceClient } from 'livekit-server-sdk';
import { freePort as freePortOn, type LivekitServer, startLivekitServer } from './livekit.js';
import { artifactsDir, repoRoot, type Service, spawnService } from './processes.js';

/** Whole interview stack for end-to-end tests: livekit-server, embedded DB, token server, agent worker. */
export interface Stack {
  livekit: LivekitServer;
  /** Postgres URL the token server and the agent share (the embedded PGlite server unless one was given). */
  databaseUrl: string;
  tokenServerUrl: string;
  agentName: string;
  agent: Service;
  tokenServer: Service;
  /** POSTs JSON to the token server and returns the parsed body; throws on a non-2xx answer. */
  post<T>(path: string, body: unknown): Promise<T>;
  /**
   * Starts one more agent worker on this stack (same livekit-server, database, agent name and runtime); `env`
   * goes over the stack's agent environment. It stops with the stack, or earlier by its own `stop()`.
   */
  startWorker(opts: { name: string; env?: Record<string, string> }): Promise<Service>;
  /**
   * Starts one more token server on this stack (same livekit-server, database and agent name, not the webhook
   * receiver); `env` goes over the stack's token server environment (a value of `undefined` removes a variable).
   * It stops with the stack, or earlier by its own `stop()`.
   */
  startTokenServer(opts: {
    name: string;
    env?: Record<string, string | undefined>;
  }): Promise<{ service: Service; url: string }>;
  stop(): Promise<void>;
}

const TSX = join(repoRoot, 'node_modules/.bin/tsx');

/** A free TCP port on 127.0.0.1. */
export const freePort = () => freePortOn('tcp', '127.0.0.1');

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url).catch(() => undefined);
  return res?.ok ?? false;
}

/** Starts the PGlite server on `dataDir` (compiled or through tsx), ready once it accepts connections. */
async function spawnPglite(dataDir: string, logFile: string, compiled: boolean) {
  const port = await freePort();
  const service = await spawnService({
    name: 'pglite',
    logFile,
    ...(compiled
      ? { cmd: process.execPath, args: ['--conditions=compiled', 'storage/dist/pglite-server.js'] }
      : { cmd: TSX, args: ['storage/src/pglite-server.ts'] }),
    env: { PGLITE_DIR: dataDir, PGLITE_PORT: String(port) },
    readyWhen: () => tcpOpen(port),
  });
  return { service, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
}

/** The migrations and the PGlite version: a data directory made with other ones is not reused. */
function pgliteTemplateKey(): string {
  const hash = createHash('sha256');
  const drizzle = join(repoRoot, 'storage/drizzle');
  const files = (readdirSync(drizzle, { recursive: true }) as string[]).map((f) => join(drizzle, f)).sort();
  for (const file of files) {
    if (file.endsWith('.sql') || file.endsWith('.json'))
      hash.update(relative(drizzle, file)).update(readFileSync(file));
  }
  hash.update(readFileSync(join(repoRoot, 'node_modules/@electric-sql/pglite/package.json')));
  return hash.digest('hex').slice(0, 16);
}

const PGLITE_TEMPLATES = join(repoRoot, '.cache/e2e');

/**
 * A fresh PGlite data directory (initdb and the migrations take seconds on a busy machine) is made once per
 * migration set under `.cache/e2e/` and copied for each stack; the copy starts in a fraction of a second.
 */
async function pgliteDataDir(logFile: string, compiled: boolean): Promise<string> {
  const template = join(PGLITE_TEMPLATES, `pglite-${pgliteTemplateKey()}`);
  if (!existsSync(join(template, 'PG_VERSION'))) {
    mkdirSync(PGLITE_TEMPLATES, { recursive: true });
    const building = mkdtempSync(join(PGLITE_TEMPLATES, 'building-'));
    try {
      // the server applies the migrations, then closes the database cleanly on SIGTERM
      const { service } = await spawnPglite(building, logFile, compiled);
      const exit = await service.stop();
      if (exit.code !== 0) throw new Error(`the PGlite server exited with ${JSON.stringify(exit)}`);
      // other migration sets are stale: keep only this one
      for (const old of readdirSync(PGLITE_TEMPLATES).filter((n) => n.startsWith('pglite-')))
        rmSync(join(PGLITE_TEMPLATES, old), { recursive: true, force: true });
      renameSync(building, template);
    } catch (err) {
      rmSync(building, { recursive: true, force: true });
      // a concurrent run may have made it first
      if (!existsSync(join(template, 'PG_VERSION'))) throw err;
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'ih-e2e-pglite-'));
  cpSync(template, dataDir, { recursive: true });
  return dataDir;
}

type Stoppable = { stop(): Promise<unknown> };

/** Deletes every room of `livekit` (its participants are disconnected, agents' jobs end). */
async function closeRooms(livekit: LivekitServer): Promise<void> {
  const api = new RoomServiceClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
  const rooms = await api.listRooms();
  await Promise.all(rooms.map((r) => api.deleteRoom(r.name).catch(() => {})));
}

/**
 * Awaits services started together: each one that started is added to `started` (in the order given, so that
 * they stop in reverse), then the first failure is thrown.
 */
async function settled<const T extends readonly (Promise<Stoppable | undefined> | undefined)[]>(
  started: Stoppable[],
  starts: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(starts);
  for (const r of results) if (r.status === 'fulfilled' && r.value) started.push(r.value);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** Starts the stack the way `npm run dev` does, on free ports, logging to test-artifacts/. */
export async function startStack(
  opts: {
    agentEnv?: Record<string, string>;
    tokenServerEnv?: Record<string, string>;
    /**
     * `compiled` runs the agent and the token server from dist/ (after `npm run build`) the way `npm start` does;
     * `source` runs their TypeScript through tsx. Default: `STACK_RUNTIME`, else `source` (the e2e suite builds
     * and sets `compiled`; the replay and benchmark scripts run the sources).
     */
    runtime?: 'source' | 'compiled';
    /** A PostgreSQL URL to use instead of the embedded PGlite server. */
    databaseUrl?: string;
  } = {},
): Promise<Stack> {
  const compiled = (opts.runtime ?? process.env.STACK_RUNTIME ?? 'source') === 'compiled';
  const started: Stoppable[] = [];
  // Each stack logs into its own folder, so a failure can still be read after later tests ran.
  const logs = join(artifactsDir(), `stack-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  mkdirSync(logs, { recursive: true });
  const logFile = (name: string) => join(logs, `${name}.log`);
  let dataDir: string | undefined;
  try {
    const tokenPort = await freePort();
    const agentHealthPort = await freePort();
    const tokenServerUrl = `http://127.0.0.1:${tokenPort}`;
    // livekit-server and the database do not need each other: they start together
    const [livekit, db] = await settled(started, [
      startLivekitServer({
        logFile: logFile('livekit-server'),
        // webhooks to this stack's token server (its agent supervisor), signed with the stack's API key
        overrides: { 'webhook.urls': [`${tokenServerUrl}/api/livekit/webhook`] },
      }),
      opts.databaseUrl
        ? undefined
        : (async () => {
            dataDir = await pgliteDataDir(logFile('pglite-template'), compiled);
            const pglite = await spawnPglite(dataDir, logFile('pglite'), compiled);
            return { url: pglite.url, stop: () => pglite.service.stop() };
          })(),
    ]);
    const databaseUrl = opts.databaseUrl ?? (db?.url as string);
    const common = {
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      DATABASE_URL: databaseUrl,
      AGENT_NAME: 'interview-helper-e2e',
      // Abandoned rooms close 15 s after everyone left (not the default 10 min), so their jobs free worker slots.
      SESSION_IDLE_END_MINUTES: '0.25',
    };
    const spawnTokenServer = (name: string, port: number, env: Record<string, string | undefined>) =>
      spawnService({
        name,
        logFile: logFile(name),
        ...(compiled
          ? { cmd: process.execPath, args: ['--conditions=compiled', 'token-server/dist/main.js'] }
          : { cmd: TSX, args: ['token-server/src/main.ts'] }),
        env: { ...common, TOKEN_SERVER_HOST: '127.0.0.1', TOKEN_SERVER_PORT: String(port), ...env },
        readyWhen: () => httpOk(`http://127.0.0.1:${port}/api/health`),
      });
    const agentEnv = {
      ...common,
      AGENT_STATS_INTERVAL_MS: '1000',
      // Speech-to-text (on by default in production) only where a test asks for it.
      STT_ENGINE: 'none',
      // One warm job process (tests open one room at a time): the default four would start in the background.
      AGENT_IDLE_PROCESSES: '1',
      ...opts.agentEnv,
    };
    const spawnAgent = async (name: string, env: Record<string, string | undefined>) =>
      spawnService({
        name,
        logFile: logFile(name),
        ...(compiled
          ? { cmd: process.execPath, args: ['--conditions=compiled', 'agent/dist/main.js', 'start'] }
          : { cmd: TSX, args: ['agent/src/main.ts', 'start'] }),
        env,
        readyWhen: /registered worker/i,
        readyTimeoutMs: 90_000,
      });
    // the worker needs livekit-server only (its jobs open the database): it starts with the token server
    const [tokenServer, agent] = await settled(started, [
      spawnTokenServer('token-server', tokenPort, { ...opts.tokenServerEnv }),
      spawnAgent('agent', { AGENT_HEALTH_PORT: String(agentHealthPort), ...agentEnv }),
    ]);
    return {
      livekit,
      databaseUrl,
      tokenServerUrl,
      agentName: common.AGENT_NAME,
      agent,
      tokenServer,
      post: async <T>(path: string, body: unknown): Promise<T> => {
        const res = await fetch(`${tokenServerUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const json = (await res.json()) as T;
        if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${JSON.stringify(json)}`);
        return json;
      },
      // its own health port (the first worker's is taken) unless `env` names one
      startTokenServer: async ({ name, env }) => {
        const port = await freePort();
        const service = await spawnTokenServer(name, port, { ...env });
        started.push(service);
        return { service, url: `http://127.0.0.1:${port}` };
      },
      startWorker: async ({ name, env }) => {
        const worker = await spawnAgent(name, {
          ...agentEnv,
          AGENT_HEALTH_PORT: String(await freePort()),
          ...env,
        });
        started.push(worker);
        return worker;
      },
      stop: async () => {
        // Every room is closed first, as at the end of an interview: its job ends, so the worker's drain on
        // SIGTERM completes instead of waiting for the idle rooms to time out.
        await Promise.race([closeRooms(livekit).catch(() => {}), sleep(5_000, undefined, { ref: false })]);
        for (const s of [...started].reverse()) await s.stop().catch(() => {});
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const s of [...started].reverse()) await s.stop().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** The pid of the process that logged `interview session started` for `room` (the room's job process). */
export function jobPidOf(stack: Stack, room: string): number | undefined {
  for (const line of stack.agent.output().split('\n')) {
    if (!line.includes('"msg":"interview session started"') || !line.includes(`"room":"${room}"`)) continue;
    const pid = Number(/"pid":(\d+)/.exec(line)?.[1]);
    if (pid > 0) return pid;
  }
  return undefined;
}

/** Why the agent may be missing: livekit-server drops a room's dispatch when the worker reports itself full. */
export function dispatchHint(stack: Stack | undefined): string {
  const log = stack?.livekit.service.output() ?? '';
  return /failed to send job request|no worker is available/.test(log)
    ? '\nlivekit-server could not dispatch the agent (worker full or absent; see its log under test-artifacts/)'
    : '';
}

/**
 * A stack whose agent transcribes both speakers with the production local engine: the worker's main
 * process starts the machine's shared Whisper recognizer (loopback), every job process uses it, and
 * it stops with the agent.
 */
export async function startStackWithLocalStt(agentEnv: Record<string, string> = {}): Promise<Stack> {
  return startStack({ agentEnv: { STT_ENGINE: 'local', ...agentEnv } });
}
