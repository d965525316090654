import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { BrowserMedia } from '../../fixtures/browser-media.js';
import { requireE2eNetwork } from '../harness/livekit.js';

/** Debian's Chromium (override with CHROMIUM_BIN). */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/**
 * Features switched off: mDNS host-candidate obfuscation (WebRTC must offer the namespace addresses, and its
 * responder would multicast), and everything that phones home or discovers devices. Chromium keeps only the last
 * `--disable-features`, so this repeats the network-relevant entries of Playwright's own list.
 */
const DISABLED_FEATURES = [
  'WebRtcHideLocalIpsWithMdns',
  'MediaRouter',
  'DialMediaRouteProvider',
  'GlobalMediaControls',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'Translate',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'CertificateTransparencyComponentUpdater',
  'AutofillServerCommunication',
  'PaintHolding',
];

/**
 * Chromium flags for a headless run with fake capture devices that talks to nothing but the namespace.
 * `hosts` are the only IP literals the host resolver lets through; any other name or address fails to resolve.
 */
export function chromiumArgs(media: BrowserMedia, hosts: string[]): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-domain-reliability',
    '--disable-client-side-phishing-detection',
    '--no-pings',
    '--media-router=0',
    // no name resolution at all: every address this test uses is one of these IP literals
    `--host-resolver-rules=MAP * ~NOTFOUND, ${hosts.map((host) => `EXCLUDE ${host}`).join(', ')}`,
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${media.video}`,
    `--use-file-for-fake-audio-capture=${media.audio}`,
    '--autoplay-policy=no-user-gesture-required',
    `--disable-features=${DISABLED_FEATURES.join(',')}`,
  ];
}

/**
 * Launches headless Chromium with the fake devices (Playwright gives it a fresh temporary profile). It may reach
 * loopback and the e2e namespace's host address only.
 */
export async function launchChromium(media: BrowserMedia): Promise<Browser> {
  const { hostIp } = requireE2eNetwork();
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: chromiumArgs(media, ['127.0.0.1', hostIp]),
  });
}

/**
 * A page that uses nothing but the stock livekit-client UMD build (served as `/livekit-client.umd.js`): it joins
 * with a token and publishes the fake camera (640x480, simulcast off so the agent gets the full size) and
 * microphone. `window.publish(url, token)` resolves with what was published; `window.senderStats()` reads the
 * camera sender's WebRTC stats.
 */
export const INDEPENDENT_CLIENT_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>stock livekit-client</title></head>
<body>
<video id="self" autoplay muted playsinline width="320"></video>
<script src="/livekit-client.umd.js"></script>
<script>
  const { Room, Track, createLocalTracks } = LivekitClient;
  let camera;
  window.publish = async (url, token) => {
    const room = new Room();
    window.room = room;
    await room.connect(url, token);
    const tracks = await createLocalTracks({ audio: true, video: { resolution: { width: 640, height: 480 } } });
    for (const track of tracks) {
      await room.localParticipant.publishTrack(track, { simulcast: false, degradationPreference: 'maintain-resolution' });
    }
    camera = tracks.find((t) => t.kind === Track.Kind.Video);
    camera.attach(document.getElementById('self'));
    const { width, height, frameRate } = camera.mediaStreamTrack.getSettings();
    return { identity: room.localParticipant.identity, sources: tracks.map((t) => t.source), width, height, frameRate };
  };
  window.senderStats = async () => (camera ? camera.getSenderStats() : []);
</script>
</body></html>
`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Options of {@link startStaticServer}. */
export interface StaticServerOptions {
  /** Directory served as `/` (optional). */
  root?: string;
  /** Extra files by URL path: `{ '/index.html': { path } }` or inline `{ body }`. */
  files?: Record<string, { path?: string; body?: string; type?: string }>;
  /** Unknown paths without an extension get `/index.html` (single-page app routes such as `/join`). */
  spaFallback?: boolean;
  /** Origin `/api/*` is forwarded to (the token server). */
  apiTarget?: string;
}

/** A running static server on 127.0.0.1. */
export interface StaticServer {
  url: string;
  /** Requests served, for load checks. */
  requests: string[];
  close(): Promise<void>;
}

async function forward(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const upstream = await fetch(`${target}${req.url}`, {
    method: req.method,
    headers: {
      'content-type': req.headers['content-type'] ?? 'application/octet-stream',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    },
    body: chunks.length ? Buffer.concat(chunks) : undefined,
  }).catch(() => undefined);
  if (!upstream) {
    res.writeHead(502, { 'content-type': 'text/plain' }).end('token server unreachable');
    return;
  }
  res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
  res.end(Buffer.from(await upstream.arrayBuffer()));
}

async function serveFile(
  res: ServerResponse,
  path: string | undefined,
  body: string | undefined,
  type?: string,
) {
  const data = body ?? (path ? await readFile(path).catch(() => undefined) : undefined);
  if (data === undefined) return false;
  res.writeHead(200, {
    'content-type': type ?? TYPES[extname(path ?? '.html')] ?? 'application/octet-stream',
    'cache-control': 'no-store',
  });
  res.end(data);
  return true;
}

/** Serves `root` and `files` on a free port of 127.0.0.1, forwarding `/api/*` to `apiTarget`. */
export async function startStaticServer(opts: StaticServerOptions): Promise<StaticServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    void (async () => {
      if (opts.apiTarget && path.startsWith('/api/')) return forward(req, res, opts.apiTarget);
      const file = opts.files?.[path];
      if (file && (await serveFile(res, file.path, file.body, file.type))) return;
      if (opts.root) {
        const base = resolve(opts.root);
        const resolved = resolve(base, `.${path === '/' ? '/index.html' : path}`);
        if (resolved.startsWith(base + sep) && (await serveFile(res, resolved, undefined))) return;
        if (
          opts.spaFallback &&
          !extname(path) &&
          (await serveFile(res, join(opts.root, 'index.html'), undefined))
        )
          return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Total bytes of a directory tree. */
export function treeBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const path = join(dir, e.name);
    return sum + (e.isDirectory() ? treeBytes(path) : statSync(path).size);
  }, 0);
}

/** Runs `wait`; on failure saves a screenshot and the page's HTML into `dir` and rethrows with what the page shows. */
export async function explainFailure<T>(
  dir: string,
  page: Page,
  what: string,
  wait: () => Promise<T>,
  hint = '',
): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    const name = what.replace(/\W+/g, '-');
    await page.screenshot({ path: join(dir, `failed-${name}.png`), fullPage: true }).catch(() => {});
    const text = await page
      .locator('#app')
      .innerText({ timeout: 2_000 })
      .catch(() => '(page text unavailable)');
    const html = await page
      .locator('#app')
      .innerHTML({ timeout: 2_000 })
      .catch(() => '');
    writeFileSync(join(dir, `failed-${name}.html`), html);
    throw new Error(`${what}: ${(error as Error).message}${hint}\n--- page ---\n${text.slice(0, 3_000)}`);
  }
}

/** Pastes `text` into the element at `selector` the way a browser does: a `paste` event with clipboard data. */
export async function pasteText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).evaluate((el, data) => {
    const clipboardData = new DataTransfer();
    clipboardData.setData('text/plain', data);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
  }, text);
}
