import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const WORKSPACE = fileURLToPath(new URL('..', import.meta.url));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

function start(env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: WORKSPACE,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  return { child, output: () => output };
}

const exitOf = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', resolve);
  });

describe('token server main', () => {
  it('serves on TOKEN_SERVER_HOST:TOKEN_SERVER_PORT with PGlite and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ih-token-server-'));
    const port = await freePort();
    const { child, output } = start({ PGLITE_DIR: join(dir, 'db'), TOKEN_SERVER_PORT: String(port) });
    try {
      // tsx and PGlite take a while to start on a busy 2-core machine.
      await expect.poll(output, { timeout: 60_000, interval: 100 }).toContain('listening on');
      expect(output()).toContain(`http://127.0.0.1:${port}`);
      expect(output()).toContain('ADMIN_TOKEN is unset');
      const res = await fetch(`http://127.0.0.1:${port}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(201);
      const exit = exitOf(child);
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('exits with a clear message when the configuration is invalid', async () => {
    const { child, output } = start({ TOKEN_TTL_SECONDS: '3600', TOKEN_SERVER_PORT: 'eighty' });
    expect(await exitOf(child)).toBe(1);
    expect(output()).toContain('Invalid token server configuration');
    expect(output()).toMatch(/TOKEN_TTL_SECONDS: must be at most 900/);
    expect(output()).toContain('TOKEN_SERVER_PORT');
  });

  it('refuses to listen beyond loopback without ADMIN_TOKEN or with the development credentials', async () => {
    const { child, output } = start({ TOKEN_SERVER_HOST: '0.0.0.0' });
    expect(await exitOf(child)).toBe(1);
    expect(output()).toMatch(/ADMIN_TOKEN: required when TOKEN_SERVER_HOST is not a loopback address/);
    expect(output()).toMatch(/LIVEKIT_API_KEY\/LIVEKIT_API_SECRET: the development credentials/);
    expect(output()).not.toContain('listening on');
  });
});
