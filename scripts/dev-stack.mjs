/**
 * Generic process-group runner behind scripts/dev.mjs (plain Node, no dependencies): starts services in stages,
 * each in its own process group, prefixes their output, waits for readiness and stops every group (SIGTERM, then
 * SIGKILL) on SIGINT/SIGTERM or when one service dies. Tested by test/e2e/harness/dev-stack.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const COLORS = [36, 35, 33, 32, 34, 31];
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
/** Wraps `text` in an ANSI colour when stdout is a terminal. */
export const paint = (code, text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
/** Prints a line of the runner itself. */
export const say = (text) => console.log(`${paint(1, 'dev')} ${text}`);

/** True when something accepts TCP connections on host:port. */
export function portOpen(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Probe: GET url answers (any status below 500, or exactly `body` when given). */
export function httpReady(url, body) {
  return async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (body !== undefined) return response.ok && (await response.text()).trim() === body;
      return response.status < 500;
    } catch {
      return false;
    }
  };
}

/** True while a live (non-zombie) process of group `pgid` exists. */
export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  if (!existsSync('/proc/self/stat')) return true;
  // Linux: zombies also answer kill(0); they are dead, just not yet reaped by whoever adopted them
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
    } catch {
      // exited while scanning
    }
  }
  return false;
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Copies a child's stream to stdout line by line with a coloured `name |` prefix. */
function prefixLines(stream, prefix) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
  });
  stream.on('end', () => {
    if (pending) process.stdout.write(`${prefix}${pending}\n`);
  });
}

/**
 * Runs `stages` (arrays of services started together; a stage starts once the previous one is ready) until a
 * signal arrives or a service dies. A service: `{ name, cmd, args, env?, cwd?, ready?: () => Promise<boolean>,
 * port?: { host, port } }` (the port must be free before start). Resolves with the exit code.
 */
export async function runStack(stages, options = {}) {
  const graceMs = options.graceMs ?? 8000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const width = Math.max(...stages.flat().map((s) => s.name.length));
  const running = [];
  let stopping = false; // stopAll() running
  let interrupted = false; // SIGINT/SIGTERM received
  let failure;
  let wake = () => {};
  const stopped = new Promise((resolve) => {
    wake = resolve;
  });

  const stopAll = async () => {
    stopping = true;
    const alive = running.filter((s) => groupAlive(s.pid));
    for (const s of alive) signalGroup(s.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive.some((s) => groupAlive(s.pid)) && Date.now() < deadline) await sleep(50);
    for (const s of alive.filter((x) => groupAlive(x.pid))) {
      say(`${s.name} did not stop within ${graceMs} ms: SIGKILL`);
      signalGroup(s.pid, 'SIGKILL');
    }
    while (alive.some((s) => groupAlive(s.pid))) await sleep(50);
  };

  const onSignal = (signal) => {
    if (interrupted || stopping) {
      say(`${signal} again: killing everything now`);
      for (const s of running) signalGroup(s.pid, 'SIGKILL');
      return;
    }
    say(`${signal}: stopping all services`);
    interrupted = true;
    wake();
  };
  const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);

  const start = (service, index) => {
    const prefix = `${paint(COLORS[index % COLORS.length], service.name.padEnd(width))} | `;
    const child = spawn(service.cmd, service.args ?? [], {
      cwd: service.cwd ?? root,
      env: { ...process.env, ...service.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry = { name: service.name, pid: child.pid };
    if (child.pid === undefined) {
      failure ??= `${service.name}: could not start ${service.cmd}`;
      return entry;
    }
    running.push(entry);
    prefixLines(child.stdout, prefix);
    prefixLines(child.stderr, prefix);
    child.once('error', (error) => {
      failure ??= `${service.name}: ${error.message}`;
      wake();
    });
    child.once('exit', (code, signal) => {
      if (!stopping && !interrupted) {
        failure ??= `${service.name} exited (${signal ? `signal ${signal}` : `code ${code}`})`;
        wake();
      }
    });
    return entry;
  };

  let index = 0;
  try {
    for (const stage of stages) {
      for (const service of stage) {
        if (service.port && (await portOpen(service.port.host, service.port.port))) {
          failure = `${service.name}: ${service.port.host}:${service.port.port} is already in use (another dev stack?)`;
        }
      }
      if (failure) break;
      const entries = stage.map((service) => ({ service, entry: start(service, index++) }));
      const deadline = Date.now() + readyTimeoutMs;
      const waiting = new Set(entries.map((e) => e.service));
      while (waiting.size > 0 && !failure && !interrupted) {
        for (const service of [...waiting]) {
          if (!service.ready || (await service.ready())) {
            waiting.delete(service);
            say(`${service.name} ready`);
          }
        }
        if (waiting.size === 0) break;
        if (Date.now() > deadline) {
          failure = `not ready within ${readyTimeoutMs} ms: ${[...waiting].map((s) => s.name).join(', ')}`;
          break;
        }
        await Promise.race([sleep(250), stopped]);
      }
      if (failure || interrupted) break;
    }
    if (!failure && !interrupted) {
      options.onReady?.();
      await stopped;
    }
  } finally {
    if (failure) say(paint(31, `${failure}; stopping everything`));
    await stopAll();
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  }
  say(failure ? 'stopped after a failure' : 'all services stopped');
  return failure ? 1 : 0;
}
