#!/usr/bin/env node
/**
 * `npm run dev`: runs the whole stack with one command (plain Node, no dependencies).
 *
 * Builds the TypeScript workspaces first (`npm run build`: protocol, storage, agent, token-server to dist/), so
 * every service runs compiled JavaScript, as in production. Then starts, each in its own process group: the PGlite
 * socket server (only when DATABASE_URL is unset),
 * livekit-server with livekit.yaml, then the token server, the agent worker and the Vite web client. Waits until
 * each answers, prefixes every log line with the service name and prints the URLs to open. Ctrl-C (SIGINT) or
 * SIGTERM stops everything: SIGTERM to each process group, SIGKILL after a grace period, so the job and inference
 * processes the agent framework forks go too. If any service dies, all are stopped and the exit code is 1.
 *
 * Environment (see README): LIVEKIT_URL, LIVEKIT_PUBLIC_URL, LIVEKIT_API_KEY/SECRET, LIVEKIT_SERVER_BIN,
 * DATABASE_URL, PGLITE_PORT, PGLITE_DIR, TOKEN_SERVER_HOST/PORT, WEB_PORT, AGENT_HEALTH_PORT, ANTHROPIC_API_KEY,
 * STT_ENGINE (default `local`: Whisper, one recognizer per machine), STT_LOCAL_MODEL; DEV_KILL_GRACE_MS (default 8000), DEV_READY_TIMEOUT_MS (default 120000),
 * DEV_SKIP_BUILD=1 (run the dist/ already built).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { httpReady, paint, portOpen, runStack, say } from './dev-stack.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Why the local speech recognizer cannot start (venv or model files missing), or undefined. */
function missingSpeechModel(env) {
  const manifest = JSON.parse(readFileSync(join(root, 'models/stt-manifest.json'), 'utf8'));
  const dir =
    env.STT_MODELS_DIR || env.MODELS_DIR
      ? resolve(env.STT_MODELS_DIR || env.MODELS_DIR)
      : join(root, 'models/cache');
  const python = join(dir, manifest.python.venv, 'bin/python');
  if (!env.STT_PYTHON && !existsSync(python)) return `the recognizer's Python venv is missing (${python})`;
  const name = `whisper-${env.STT_LOCAL_MODEL ?? 'base'}`;
  const model = manifest.models.find((m) => m.name === name);
  if (!model) return `unknown STT_LOCAL_MODEL (${name})`;
  for (const f of model.files) {
    const path = join(dir, model.dir, f.file);
    if (!existsSync(path) || statSync(path).size !== f.size)
      return `model file ${path} is missing or incomplete`;
  }
  return undefined;
}

/**
 * livekit.yaml with its webhook (to the token server's agent supervisor) signed with the stack's API key and sent
 * to the stack's token server port, written to a temporary file.
 */
function livekitConfig(apiKey, tokenServerUrl) {
  const text = readFileSync(join(root, 'livekit.yaml'), 'utf8')
    .replace(/^ {2}api_key: .*$/m, `  api_key: ${JSON.stringify(apiKey)}`)
    .replace(/^ {2}urls: .*$/m, `  urls: [${JSON.stringify(`${tokenServerUrl}/api/livekit/webhook`)}]`);
  const file = join(mkdtempSync(join(tmpdir(), 'ih-dev-livekit-')), 'livekit.yaml');
  writeFileSync(file, text);
  return file;
}

/** The real stack, configured from the environment. */
function buildStack(env) {
  const apiKey = env.LIVEKIT_API_KEY ?? 'devkey';
  const apiSecret = env.LIVEKIT_API_SECRET ?? 'secret';
  if (!env.LIVEKIT_API_KEY || !env.LIVEKIT_API_SECRET) {
    say(paint(33, 'LIVEKIT_API_KEY/LIVEKIT_API_SECRET unset: using devkey/secret (development only)'));
  }
  const livekitUrl = env.LIVEKIT_URL ?? 'ws://127.0.0.1:7880';
  const livekitHttp = livekitUrl.replace(/^ws/, 'http');
  const tokenHost = env.TOKEN_SERVER_HOST ?? '127.0.0.1';
  const tokenPort = Number(env.TOKEN_SERVER_PORT ?? 8787);
  const webPort = Number(env.WEB_PORT ?? 5173);
  const healthPort = Number(env.AGENT_HEALTH_PORT ?? 8081);
  const pglitePort = Number(env.PGLITE_PORT ?? 5433);
  const shared = {
    LIVEKIT_URL: livekitUrl,
    LIVEKIT_PUBLIC_URL: env.LIVEKIT_PUBLIC_URL ?? livekitUrl,
    LIVEKIT_API_KEY: apiKey,
    LIVEKIT_API_SECRET: apiSecret,
    TOKEN_SERVER_HOST: tokenHost,
    TOKEN_SERVER_PORT: String(tokenPort),
    WEB_PORT: String(webPort),
    AGENT_HEALTH_PORT: String(healthPort),
  };
  const infra = [];

  if (!env.DATABASE_URL) {
    const script = join(root, 'storage/dist/pglite-server.js');
    if (!existsSync(script)) throw new Error(`DATABASE_URL unset and ${script} is missing (npm run build)`);
    shared.DATABASE_URL = `postgres://postgres@127.0.0.1:${pglitePort}/postgres`;
    infra.push({
      name: 'pglite',
      cmd: process.execPath,
      args: ['--conditions=compiled', script],
      env: { PGLITE_PORT: String(pglitePort) },
      port: { host: '127.0.0.1', port: pglitePort },
      ready: () => portOpen('127.0.0.1', pglitePort),
    });
    say(
      `DATABASE_URL unset: embedded PGlite (${env.PGLITE_DIR ?? '.data/pglite'}) on 127.0.0.1:${pglitePort}`,
    );
  } else {
    shared.DATABASE_URL = env.DATABASE_URL;
  }

  const localLivekit = /^wss?:\/\/(127\.0\.0\.1|localhost):7880\/?$/.test(livekitUrl);
  if (localLivekit) {
    const found = spawnSync('bash', [join(root, 'scripts/find-livekit-server.sh')], { encoding: 'utf8' });
    if (found.status !== 0) throw new Error(found.stderr.trim());
    infra.push({
      name: 'livekit',
      cmd: found.stdout.trim(),
      args: ['--config', livekitConfig(apiKey, `http://${tokenHost}:${tokenPort}`)],
      env: { LIVEKIT_KEYS: `${apiKey}: ${apiSecret}` },
      port: { host: '127.0.0.1', port: 7880 },
      ready: httpReady(`${livekitHttp}/`, 'OK'),
    });
  } else {
    say(`LIVEKIT_URL=${livekitUrl}: using that server, not starting livekit-server`);
  }

  if (!env.ANTHROPIC_API_KEY) say('ANTHROPIC_API_KEY unset: hints are rule-based (no LLM)');
  const stt = env.STT_ENGINE ?? 'local';
  if (stt === 'local') {
    const missing = missingSpeechModel(env);
    say(
      missing
        ? paint(33, `speech-to-text: ${missing}; run \`npm run models:fetch\` (STT_ENGINE=none turns it off)`)
        : `speech-to-text: local Whisper ${env.STT_LOCAL_MODEL ?? 'base'} (one shared recognizer, started by the agent)`,
    );
  } else say(`speech-to-text: STT_ENGINE=${stt}`);

  const apps = [
    {
      name: 'token-server',
      cmd: 'npm',
      args: ['start', '-w', 'token-server'],
      env: shared,
      port: { host: tokenHost, port: tokenPort },
      ready: () => portOpen(tokenHost, tokenPort),
    },
    {
      name: 'agent',
      cmd: 'npm',
      args: ['start', '-w', 'agent'],
      env: shared,
      port: { host: '127.0.0.1', port: healthPort },
      ready: httpReady(`http://127.0.0.1:${healthPort}/`, 'OK'),
    },
    {
      name: 'web',
      cmd: 'npm',
      args: ['run', 'dev', '-w', 'web'],
      env: shared,
      port: { host: '127.0.0.1', port: webPort },
      ready: httpReady(`http://127.0.0.1:${webPort}/`),
    },
  ];
  const urls = [
    `web client    http://127.0.0.1:${webPort}/`,
    `token server  http://${tokenHost}:${tokenPort}/`,
    `LiveKit       ${livekitUrl}`,
  ];
  return { stages: [infra, apps].filter((stage) => stage.length > 0), urls };
}

/** Compiles the workspaces the services run (`npm run build`); false when the build failed. */
function build() {
  say('building (npm run build: protocol, storage, agent, token-server → dist/)');
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  return result.status === 0;
}

async function main() {
  if (process.env.DEV_SKIP_BUILD !== '1' && !build()) {
    console.error(paint(31, 'the build failed; nothing was started'));
    return 1;
  }
  let stack;
  try {
    stack = buildStack(process.env);
  } catch (error) {
    console.error(paint(31, error instanceof Error ? error.message : String(error)));
    return 1;
  }
  return runStack(stack.stages, {
    graceMs: Number(process.env.DEV_KILL_GRACE_MS ?? 8000),
    readyTimeoutMs: Number(process.env.DEV_READY_TIMEOUT_MS ?? 120_000),
    onReady: () => {
      say(paint(32, 'stack ready, open:'));
      for (const url of stack.urls) say(`  ${url}`);
      say('Ctrl-C stops everything');
    },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
