import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort as freePortOn, startLivekitServer } from './livekit.js';
import { artifactsDir, repoRoot, type Service, spawnService } from './processes.js';

/** Whole interview stack for end-to-end tests: livekit-server, embedded DB, token server, agent worker. */
export interface Stack {
  livekit: Awaited<ReturnType<typeof startLivekitServer>>;
  /** Postgres URL the token server and the agent share (the embedded PGlite server unless one was given). */
  databaseUrl: string;
  tokenServerUrl: string;
  agentName: string;
  agent: Service;
  tokenServer: Service;
  /** POSTs JSON to the token server and returns the parsed body; throws on a non-2xx answer. */
  post<T>(path: string, body: unknown): Promise<T>;
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
  const started: { stop(): Promise<unknown> }[] = [];
  // Each stack logs into its own folder, so a failure can still be read after later tests ran.
  const logs = join(artifactsDir(), `stack-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  mkdirSync(logs, { recursive: true });
  const logFile = (name: string) => join(logs, `${name}.log`);
  const dataDir = mkdtempSync(join(tmpdir(), 'ih-e2e-pglite-'));
  try {
    const tokenPort = await freePort();
    const tokenServerUrl = `http://127.0.0.1:${tokenPort}`;
    const livekit = await startLivekitServer({
      logFile: logFile('livekit-server'),
      // webhooks to this stack's token server (its agent supervisor), signed with the stack's API key
      overrides: { 'webhook.urls': [`${tokenServerUrl}/api/livekit/webhook`] },
    });
    started.push(livekit);
    let databaseUrl = opts.databaseUrl;
    if (!databaseUrl) {
      const pglitePort = await freePort();
      const db = await spawnService({
        name: 'pglite',
        logFile: logFile('pglite'),
        cmd: TSX,
        args: ['storage/src/pglite-server.ts'],
        env: { PGLITE_DIR: dataDir, PGLITE_PORT: String(pglitePort) },
        readyWhen: () => tcpOpen(pglitePort),
      });
      started.push(db);
      databaseUrl = `postgres://postgres@127.0.0.1:${pglitePort}/postgres`;
    }
    const common = {
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      DATABASE_URL: databaseUrl,
      AGENT_NAME: 'interview-helper-e2e',
      // Abandoned rooms close 15 s after everyone left (not the default 10 min), so their jobs free worker slots.
      SESSION_IDLE_END_MINUTES: '0.25',
    };
    const tokenServer = await spawnService({
      name: 'token-server',
      logFile: logFile('token-server'),
      ...(compiled
        ? { cmd: process.execPath, args: ['--conditions=compiled', 'token-server/dist/main.js'] }
        : { cmd: TSX, args: ['token-server/src/main.ts'] }),
      env: {
        ...common,
        TOKEN_SERVER_HOST: '127.0.0.1',
        TOKEN_SERVER_PORT: String(tokenPort),
        ...opts.tokenServerEnv,
      },
      readyWhen: () => httpOk(`${tokenServerUrl}/api/health`),
    });
    started.push(tokenServer);
    const agent = await spawnService({
      name: 'agent',
      logFile: logFile('agent'),
      ...(compiled
        ? { cmd: process.execPath, args: ['--conditions=compiled', 'agent/dist/main.js', 'start'] }
        : { cmd: TSX, args: ['agent/src/main.ts', 'start'] }),
      env: {
        ...common,
        AGENT_HEALTH_PORT: String(await freePort()),
        AGENT_STATS_INTERVAL_MS: '1000',
        // Speech-to-text (on by default in production) only where a test asks for it.
        STT_ENGINE: 'none',
        // One warm job process (tests open one room at a time): the default four would start in the background.
        AGENT_IDLE_PROCESSES: '1',
        ...opts.agentEnv,
      },
      readyWhen: /registered worker/i,
      readyTimeoutMs: 90_000,
    });
    started.push(agent);
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
      stop: async () => {
        for (const s of started.reverse()) await s.stop().catch(() => {});
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
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
