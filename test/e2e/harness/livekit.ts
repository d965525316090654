import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { artifactsDir, repoRoot, type Service, spawnService } from './processes.js';

/** The e2e network namespace created by scripts/netns-run.sh. */
export interface E2eNetwork {
  /** Namespace name (`ih-e2e-<pid>`). */
  netns: string;
  /** Address of the namespace's "host" interface: servers advertise it to WebRTC clients. */
  hostIp: string;
  /** Second address inside the namespace. */
  peerIp: string;
  /** The namespace's IPv4 subnet (CIDR); with 127.0.0.0/8 the only addresses the capture may contain. */
  subnet: string;
  /** The capture file tcpdump writes (packet-buffered: it may be verified while tests run). */
  pcap: string | undefined;
}

/**
 * Returns the e2e namespace this process runs in, or throws: WebRTC outside the sandbox is not allowed
 * (libwebrtc would gather the machine's real addresses). Run through `npm run test:e2e`.
 */
export function requireE2eNetwork(): E2eNetwork {
  const netns = process.env.E2E_NETNS;
  const hostIp = process.env.E2E_HOST_IP;
  if (!netns || !hostIp) {
    throw new Error(
      'E2E tests must run inside the e2e network namespace (E2E_NETNS/E2E_HOST_IP unset): ' +
        'use `npm run test:e2e` (scripts/netns-run.sh, root required), never plain vitest',
    );
  }
  return {
    netns,
    hostIp,
    peerIp: process.env.E2E_PEER_IP ?? hostIp,
    subnet: process.env.E2E_SUBNET ?? `${hostIp}/24`,
    pcap: process.env.E2E_PCAP,
  };
}

/** Summary printed by `scripts/verify-pcap.mjs --json`. */
export interface CaptureSummary {
  ok: boolean;
  failures: string[];
  packets: number;
  bytes: number;
  udp: number;
  /** UDP packets whose first payload byte is 128..191 (RTP/RTCP, RFC 7983). */
  udpMedia: number;
  addresses: Record<string, number>;
}

/**
 * Verifies the namespace capture so far (tcpdump writes it packet-buffered) with scripts/verify-pcap.mjs: only
 * loopback and namespace addresses, and with `expectMedia` at least one RTP/RTCP packet.
 */
export function verifyCapture(options: { expectMedia?: boolean; pcap?: string } = {}): CaptureSummary {
  const network = requireE2eNetwork();
  const pcap = options.pcap ?? network.pcap;
  if (!pcap) throw new Error('E2E_PCAP unset: scripts/netns-run.sh did not start a capture');
  const args = [join(repoRoot, 'scripts/verify-pcap.mjs'), pcap, '--json', '--allow', network.subnet];
  if (options.expectMedia) args.push('--expect-media');
  try {
    return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as CaptureSummary;
  } catch (error) {
    const { status, stdout, stderr } = error as { status?: number; stdout?: string; stderr?: string };
    if (status === 1 && stdout) return JSON.parse(stdout) as CaptureSummary;
    throw new Error(`verify-pcap failed (${status}): ${stderr ?? error}`);
  }
}

/**
 * {@link verifyCapture} once `seen` holds for the capture: tcpdump is a process of its own, which a loaded machine may
 * run a moment after the packets went by. Gives the last summary after `timeoutMs` without it (the caller's checks
 * then fail on what is missing).
 */
export async function verifyCaptureWhen(
  seen: (capture: CaptureSummary) => boolean,
  options: { expectMedia?: boolean; pcap?: string } = {},
  timeoutMs = 15_000,
): Promise<CaptureSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const capture = verifyCapture(options);
    if (seen(capture) || Date.now() > deadline) return capture;
    await sleep(500);
  }
}

/** Path of livekit-server, found by scripts/find-livekit-server.sh (which explains how to install it). */
export function findLivekitServer(): string {
  try {
    return execFileSync('bash', [join(repoRoot, 'scripts/find-livekit-server.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`livekit-server not found.\n${stderr}`);
  }
}

/**
 * A free port for `kind` on `host` and on every other address (bound to 0 on the wildcard address, then on `host`,
 * and closed), never one this process handed out before.
 */
export async function freePort(kind: 'tcp' | 'udp', host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // a wildcard bind: the port is free on every address, not only `host` (livekit-server binds 127.0.0.1 and
    // the namespace address with one port, the other services 127.0.0.1 alone)
    const port = await boundPort(kind, '0.0.0.0');
    if (handedOut.has(port)) continue;
    // and `host` itself accepts it
    const onHost = await boundPort(kind, host, port).catch(() => undefined);
    if (onHost !== port) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free ${kind} port for ${host} after 50 attempts`);
}

/** Ports this process has handed out: never handed out twice, even when the kernel offers one again. */
const handedOut = new Set<number>();

/** Binds `port` (0: any) on `host` and releases it; resolves with the port bound. */
async function boundPort(kind: 'tcp' | 'udp', host: string, port = 0): Promise<number> {
  if (kind === 'udp') {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, resolve);
    });
    const bound = socket.address().port;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    return bound;
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}

/**
 * Replaces one-line settings of a livekit.yaml text: keys are dotted paths (`rtc.node_ip`), values are
 * written as JSON (valid YAML flow style). Each key must occur exactly once at its nesting depth, so a changed
 * livekit.yaml fails loudly instead of silently keeping a development value.
 */
export function overrideLivekitYaml(text: string, overrides: Record<string, unknown>): string {
  let result = text;
  for (const [path, value] of Object.entries(overrides)) {
    const parts = path.split('.');
    const key = parts.at(-1) ?? path;
    const indent = ' '.repeat(2 * (parts.length - 1));
    const line = new RegExp(`^${indent}${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:( .*)?$`, 'gm');
    const matches = result.match(line)?.length ?? 0;
    if (matches !== 1) {
      throw new Error(`livekit.yaml: expected exactly one line for '${path}', found ${matches}`);
    }
    result = result.replace(line, `${indent}${key}: ${JSON.stringify(value)}`);
  }
  return result;
}

/** Options of {@link startLivekitServer}. */
export interface LivekitServerOptions {
  /** Binary (default: {@link findLivekitServer}). */
  binary?: string;
  /** Base config (default `<repo>/livekit.yaml`). */
  baseConfig?: string;
  /** Log file (default `test-artifacts/livekit-server.log`). */
  logFile?: string;
  /** livekit-server log level (default `info`). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Further one-line overrides of the base config, see {@link overrideLivekitYaml}. */
  overrides?: Record<string, unknown>;
  readyTimeoutMs?: number;
}

const defaultOptions = {
  baseConfig: join(repoRoot, 'livekit.yaml'),
  logLevel: 'info',
  readyTimeoutMs: 30_000,
} satisfies Partial<LivekitServerOptions>;

/** A running livekit-server. */
export interface LivekitServer {
  /** WebSocket URL for clients and server SDKs (`ws://<E2E_HOST_IP>:<port>`). */
  url: string;
  /** HTTP URL of the same endpoint, for `RoomServiceClient` and friends. */
  httpUrl: string;
  /** The same endpoint on loopback. */
  loopbackUrl: string;
  apiKey: string;
  apiSecret: string;
  /** The UDP port of the WebRTC media mux. */
  udpPort: number;
  configFile: string;
  logFile: string;
  service: Service;
  /** Kills the server's process group and waits for it; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts livekit-server for a test inside the e2e namespace: a temporary config derived from livekit.yaml (binds
 * 127.0.0.1 and E2E_HOST_IP, `rtc.node_ip` = E2E_HOST_IP, free signalling and UDP ports, random API key/secret
 * passed via LIVEKIT_KEYS), spawned in its own process group, ready once `GET /` answers "OK".
 */
export async function startLivekitServer(options: LivekitServerOptions = {}): Promise<LivekitServer> {
  const opts = { ...defaultOptions, ...options };
  const network = requireE2eNetwork();
  const binary = opts.binary ?? findLivekitServer();
  const port = await freePort('tcp', network.hostIp);
  const udpPort = await freePort('udp', network.hostIp);
  const apiKey = `API${randomBytes(6).toString('hex')}`;
  const apiSecret = randomBytes(24).toString('base64url');

  const config = overrideLivekitYaml(readFileSync(opts.baseConfig, 'utf8'), {
    port,
    bind_addresses: ['127.0.0.1', network.hostIp],
    'rtc.udp_port': udpPort,
    'rtc.node_ip': network.hostIp,
    // media on the namespace address only: libwebrtc clients gather non-loopback candidates
    'rtc.enable_loopback_candidate': false,
    'rtc.ips': { includes: [`${network.hostIp}/32`] },
    'logging.level': opts.logLevel,
    // webhooks (livekit.yaml `webhook:`) are signed with a configured key: this server's
    'webhook.api_key': apiKey,
    ...opts.overrides,
  });
  const dir = mkdtempSync(join(tmpdir(), 'ih-livekit-'));
  const configFile = join(dir, 'livekit.yaml');
  writeFileSync(configFile, config);

  const httpUrl = `http://${network.hostIp}:${port}`;
  const service = await spawnService({
    name: 'livekit-server',
    cmd: binary,
    args: ['--config', configFile],
    env: { LIVEKIT_KEYS: `${apiKey}: ${apiSecret}`, LIVEKIT_CONFIG: undefined },
    logFile: opts.logFile ?? join(artifactsDir(), 'livekit-server.log'),
    readyTimeoutMs: opts.readyTimeoutMs,
    readyWhen: async () => {
      const response = await fetch(`${httpUrl}/`, { signal: AbortSignal.timeout(1_000) });
      return response.ok && (await response.text()).trim() === 'OK';
    },
  });

  let stopped: Promise<void> | undefined;
  return {
    url: `ws://${network.hostIp}:${port}`,
    httpUrl,
    loopbackUrl: `ws://127.0.0.1:${port}`,
    apiKey,
    apiSecret,
    udpPort,
    configFile,
    logFile: service.logFile,
    service,
    stop: () => {
      stopped ??= (async () => {
        // livekit-server waits for the participants still listed to leave (checking every 5 s) unless a second
        // signal forces the exit: a test server ends with its test, so it gets two (the second from stop()).
        try {
          process.kill(service.pid, 'SIGTERM');
          const deadline = Date.now() + 2_000;
          while (!/exit requested/.test(service.output()) && Date.now() < deadline) await sleep(20);
        } catch {
          // already gone
        }
        await service.stop();
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
