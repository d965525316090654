import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findLivekitServer, freePort, overrideLivekitYaml, requireE2eNetwork } from './livekit.js';
import { repoRoot, type Service, spawnService } from './processes.js';

/**
 * The livekit service of docker-compose.yml rewrites livekit.yaml's webhook lines from the stack's
 * `LIVEKIT_API_KEY` and `TOKEN_SERVER_PORT` with a shell command. Docker is not needed to check it:
 * the command runs here as Compose would run it (`$$` is a literal `$`), and livekit-server must
 * start on its output with keys other than the development ones.
 */
function composeLivekitCommand(): string {
  const compose = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
  const service = compose.slice(compose.indexOf('\n  livekit:'));
  const block = /\n {4}command:\n {6}- >-\n((?: {8}.*\n)+)/.exec(service);
  if (!block?.[1]) throw new Error('docker-compose.yml: no folded `command` in the livekit service');
  // a folded block scalar: its lines joined by spaces
  return block[1]
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replaceAll('$$', '$');
}

describe('docker-compose livekit service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ih-compose-'));
  let server: Service | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("signs webhooks with the stack's API key and sends them to its token server port", async () => {
    const network = requireE2eNetwork();
    const mounted = join(dir, 'livekit.yaml');
    copyFileSync(join(repoRoot, 'livekit.yaml'), mounted);
    const written = join(dir, 'written.yaml');
    const command = composeLivekitCommand()
      .replaceAll('/etc/livekit.yaml', mounted)
      .replaceAll('/tmp/livekit.yaml', written)
      .replace(/&& exec livekit-server .*$/, '');
    const apiKey = 'APIcompose42';
    execFileSync('/bin/sh', ['-c', command], {
      env: { PATH: process.env.PATH, WEBHOOK_API_KEY: apiKey, TOKEN_SERVER_PORT: '9123' },
    });
    const config = readFileSync(written, 'utf8');
    expect(config).toMatch(/^ {2}api_key: "APIcompose42"$/m);
    expect(config).toMatch(/^ {2}urls: \["http:\/\/127\.0\.0\.1:9123\/api\/livekit\/webhook"\]$/m);
    expect(config.replace(/^ {2}(api_key|urls): .*$/gm, '')).toBe(
      readFileSync(mounted, 'utf8').replace(/^ {2}(api_key|urls): .*$/gm, ''),
    );

    // livekit-server accepts it with that key (it refuses webhooks signed with a key it does not have)
    const port = await freePort('tcp', '127.0.0.1');
    const runnable = join(dir, 'runnable.yaml');
    writeFileSync(
      runnable,
      overrideLivekitYaml(config, {
        port,
        'rtc.udp_port': await freePort('udp', network.hostIp),
        'rtc.node_ip': network.hostIp,
      }),
    );
    server = await spawnService({
      name: 'livekit-server-compose',
      cmd: findLivekitServer(),
      args: ['--config', runnable],
      env: { LIVEKIT_KEYS: `${apiKey}: ${'s'.repeat(32)}`, LIVEKIT_CONFIG: undefined },
      readyTimeoutMs: 30_000,
      readyWhen: async () => {
        const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
        return response.ok;
      },
    });
    expect(server.output()).not.toMatch(/api_key is required/);
  });
});
