import { describeUrl, InterviewStore, openDatabase, PlanStore } from '@interview-helper/storage';
import { createApp } from './app.js';
import { ConfigError, loadConfig, usesDevCredentials } from './config.js';
import { dataServices } from './data-routes.js';
import { startRetention } from './retention.js';
import { listen } from './server.js';
import { AgentSupervisor } from './supervisor.js';
import { LivekitAgentRoomApi } from './supervisor-livekit.js';

/** Starts the token server from environment variables; stops cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.pgliteDir });
  console.log(
    `token server: database ${database.kind} (${config.databaseUrl ? describeUrl(config.databaseUrl) : config.pgliteDir}), ` +
      `migrations ${database.migrationMs.toFixed(0)} ms`,
  );
  if (!config.adminToken) {
    console.warn(
      'token server: ADMIN_TOKEN is unset, anyone on this machine may create sessions (loopback only, development)',
    );
  }
  if (usesDevCredentials(config)) {
    console.warn('token server: using the development LiveKit credentials devkey/secret (loopback only)');
  }

  const data = dataServices(database.db, config);
  const store = new InterviewStore(database.db);
  // Re-dispatches the agent to rooms that lost it (LiveKit webhooks at /api/livekit/webhook, see livekit.yaml).
  const supervisor = new AgentSupervisor(
    new LivekitAgentRoomApi(config),
    async (id) => Boolean((await store.getSession(id))?.endedAt),
    {
      arrivalTimeoutMs: config.supervisor.arrivalTimeoutSeconds * 1000,
      takenCheckMs: config.supervisor.takenCheckSeconds * 1000,
      maxAttempts: config.supervisor.maxAttempts,
    },
  );
  const app = createApp({
    store,
    supervisor,
    plans: new PlanStore(database.db),
    config,
    data,
  });
  const retention = startRetention(data);
  const server = listen(app, {
    hostname: config.host,
    port: config.port,
    onListening: (info) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      console.log(
        `token server listening on http://${host}:${info.port} (LiveKit ${config.livekitPublicUrl})`,
      );
    },
  });
  server.on('error', (err) => {
    console.error(`token server: cannot listen on ${config.host}:${config.port}: ${err.message}`);
    void database.close().finally(() => process.exit(1));
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`token server: ${signal}, shutting down`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    supervisor.close();
    server.close(() => {
      Promise.resolve(retention?.stop())
        .then(() => database.close())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    });
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error('token server failed to start:', err instanceof Error ? err.message : err);
  }
  process.exit(1);
});
