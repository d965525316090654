/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import {
  AGENT_CANDIDATE_ATTRIBUTE,
  AGENT_STATE_ATTRIBUTE,
  type SignalMessage,
} from '@interview-helper/protocol';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserMedia, browserMedia } from '../fixtures/browser-media.js';
import { ARTIFACTS_DIR, ROOT } from '../fixtures/paths.js';
import {
  INDEPENDENT_CLIENT_HTML,
  launchChromium,
  type StaticServer,
  startStaticServer,
} from './clients/browser.js';
import {
  type CreatedSession,
  createSession,
  join as joinRoom,
  signalsOf,
  type TestParticipant,
  waitFor,
} from './clients/participant.js';
import { verifyCapture } from './harness/livekit.js';
import { type Stack, startStack } from './harness/stack.js';

const run = promisify(execFile);
const SCREENSHOTS = join(ARTIFACTS_DIR, 'screenshots');
const MIN_FRAMES = 60;
const MIN_AUDIO_SECONDS = 5;

type Grant = { token: string; url: string; identity: string };
const num = (s: SignalMessage | undefined, key: string) => Number(s?.values[key]);

/** Energy-weighted mean level of the agent's audio-level windows (a single window may fall in a pause). */
function meanDbfs(signals: SignalMessage[]): number {
  const seconds = signals.reduce((t, s) => t + num(s, 'windowSeconds'), 0);
  const energy = signals.reduce((e, s) => e + 10 ** (num(s, 'rmsDbfs') / 10) * num(s, 'windowSeconds'), 0);
  return 10 * Math.log10(energy / seconds);
}

function agentCandidate(p: TestParticipant): string | undefined {
  const agent = [...p.room.remoteParticipants.values()].find(
    (r) => r.attributes[AGENT_STATE_ATTRIBUTE] !== undefined,
  );
  return agent?.attributes[AGENT_CANDIDATE_ATTRIBUTE];
}

/** Total bytes of a directory tree. */
function treeBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const path = join(dir, e.name);
    return sum + (e.isDirectory() ? treeBytes(path) : statSync(path).size);
  }, 0);
}

/** Why the agent may be missing: livekit-server drops a room's dispatch when the worker reports itself full. */
function dispatchHint(stack: Stack | undefined): string {
  const log = stack?.livekit.service.output() ?? '';
  return /failed to send job request|no worker is available/.test(log)
    ? '\nlivekit-server could not dispatch the agent (worker full or absent; see test-artifacts/livekit-server.log)'
    : '';
}

/** Runs `wait`; on failure saves a screenshot and rethrows with what the page shows. */
async function explain<T>(page: Page, what: string, wait: () => Promise<T>, hint = ''): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    const name = what.replace(/\W+/g, '-');
    await page.screenshot({ path: join(SCREENSHOTS, `failed-${name}.png`), fullPage: true }).catch(() => {});
    const text = await page
      .locator('#app')
      .innerText({ timeout: 2_000 })
      .catch(() => '(page text unavailable)');
    throw new Error(`${what}: ${(error as Error).message}${hint}\n--- page ---\n${text.slice(0, 3_000)}`);
  }
}

describe('real Chromium clients against the whole stack', () => {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let media: BrowserMedia;
  const servers: StaticServer[] = [];
  const participants: TestParticipant[] = [];

  const dist = join(ROOT, 'web/dist');

  beforeAll(async () => {
    // the production build of our web client, served as is in the second case
    await run(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], {
      cwd: join(ROOT, 'web'),
    });
    const [m, s] = await Promise.all([browserMedia(), startStack()]);
    media = m;
    stack = s;
    browser = await launchChromium(media);
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close().catch(() => {});
    for (const p of participants) await p.leave().catch(() => {});
    for (const s of servers) await s.close().catch(() => {});
    await stack?.stop();
  });

  const requireStack = () => stack ?? expect.unreachable('stack did not start');
  const requireBrowser = () => browser ?? expect.unreachable('browser did not start');

  it('an independent page using only stock livekit-client is analysed by the agent', async () => {
    const started = Date.now();
    const stack = requireStack();
    const server = await startStaticServer({
      files: {
        '/': { body: INDEPENDENT_CLIENT_HTML, type: 'text/html; charset=utf-8' },
        '/livekit-client.umd.js': {
          path: join(ROOT, 'node_modules/livekit-client/dist/livekit-client.umd.js'),
        },
      },
    });
    servers.push(server);
    const created = await createSession(stack);
    const interviewer = await joinRoom(stack, created, 'interviewer', 'Ivy Interviewer');
    participants.push(interviewer);
    const grant = await stack.post<Grant>('/api/token', {
      session: created.session.id,
      role: 'candidate',
      name: 'Browser Candidate',
      invite: created.invites.candidate,
    });

    const page = await requireBrowser().newPage();
    page.on('pageerror', (error) => console.log(`[independent page] ${error.message}`));
    await page.goto(server.url);
    const published = await page.evaluate(
      ([url, token]) =>
        (window as unknown as { publish(u: string, t: string): Promise<unknown> }).publish(url, token),
      [grant.url, grant.token] as const,
    );
    expect(published).toMatchObject({ identity: grant.identity, width: 640, height: 480 });
    expect((published as { sources: string[] }).sources.sort()).toEqual(['camera', 'microphone']);

    await waitFor('the agent to pick the browser as candidate', () =>
      agentCandidate(interviewer) === grant.identity ? true : undefined,
    ).catch((error: Error) => {
      throw new Error(`${error.message}${dispatchHint(stack)}`);
    });
    const video = await waitFor('60 decoded frames', () => {
      const s = signalsOf(interviewer, 'video-frames').at(-1);
      return num(s, 'totalFrames') >= MIN_FRAMES ? s : undefined;
    });
    const audio = await waitFor('5 s of decoded audio', () => {
      const s = signalsOf(interviewer, 'audio-level').at(-1);
      return num(s, 'totalSeconds') >= MIN_AUDIO_SECONDS ? s : undefined;
    });
    const sender = await page.evaluate(() =>
      (window as unknown as { senderStats(): Promise<unknown> }).senderStats(),
    );

    expect(video.values).toMatchObject({ width: 640, height: 480 });
    expect(num(video, 'fps')).toBeGreaterThan(8);
    const level = meanDbfs(signalsOf(interviewer, 'audio-level'));
    expect(level).toBeGreaterThan(-50);
    expect(level).toBeLessThan(-3);
    expect(audio.values).toMatchObject({ channels: 1 });
    expect(interviewer.invalid).toBe(0);
    console.log(
      `[measure] independent client: frames=${num(video, 'totalFrames')} ${video.values.width}x${video.values.height} ` +
        `fps=${num(video, 'fps')} audio=${num(audio, 'totalSeconds')} s at ${level.toFixed(1)} dBFS, ` +
        `sender=${JSON.stringify(sender)}, case ${Date.now() - started} ms`,
    );
    await page.close();
    await interviewer.leave();
    expect(verifyCapture({ expectMedia: true }).failures).toEqual([]);
  });

  it('our web client: the interviewer sees the candidate and the agent messages, the candidate none', async () => {
    const started = Date.now();
    const stack = requireStack();
    const mainJs = readdirSync(join(dist, 'assets')).filter((n) => n.endsWith('.js'));
    const gzip = mainJs.map((n) => `${n}=${gzipSync(readFileSync(join(dist, 'assets', n))).length}`);
    console.log(`[measure] web/dist ${treeBytes(dist)} bytes; gzip of JS: ${gzip.join(', ')}`);

    const server = await startStaticServer({
      root: dist,
      spaFallback: true,
      apiTarget: stack.tokenServerUrl,
    });
    servers.push(server);
    const created = await stack.post<CreatedSession & { links: Record<'candidate' | 'interviewer', string> }>(
      '/api/sessions',
      { title: 'browser e2e' },
    );
    const local = (link: string) => {
      const url = new URL(link);
      expect(url.pathname).toBe('/join');
      return `${server.url}${url.pathname}${url.search}`;
    };
    const browser = requireBrowser();
    const open = async (link: string): Promise<{ page: Page; loadMs: number }> => {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      page.on('pageerror', (error) => console.log(`[web page] ${error.message}`));
      const t0 = Date.now();
      await page.goto(local(link), { waitUntil: 'load' });
      return { page, loadMs: Date.now() - t0 };
    };

    const { page: interviewer, loadMs } = await open(created.links.interviewer);
    const navigation = await interviewer.evaluate(() =>
      performance.getEntriesByType('navigation')[0]?.toJSON(),
    );
    await interviewer.getByTestId('name').fill('Ivy Interviewer');
    await interviewer.getByTestId('join').click();
    await interviewer.getByTestId('interviewer-view').waitFor();

    const { page: candidate } = await open(created.links.candidate);
    await expect(candidate.getByTestId('disclosure').textContent()).resolves.toMatch(/never infers emotions/);
    await candidate.getByTestId('name').fill('Cam Candidate');
    expect(await candidate.getByTestId('join').isDisabled()).toBe(true);
    await candidate.getByTestId('consent').check();
    await candidate.getByTestId('join').click();
    await candidate.getByTestId('candidate-view').waitFor();
    const candidateIdentity = await candidate.getByTestId('identity').getAttribute('data-identity');
    expect(candidateIdentity).toMatch(/^candidate-/);

    // The candidate's video plays on the interviewer's page, and the agent reports on this candidate.
    await explain(interviewer, 'the candidate video playing', () =>
      interviewer.waitForFunction(
        () => {
          const v = document.querySelector<HTMLVideoElement>('[data-testid="candidate-video"]');
          return v !== null && v.readyState >= 2 && v.videoWidth > 0;
        },
        undefined,
        { timeout: 30_000 },
      ),
    );
    await explain(
      interviewer,
      'the agent reporting on the candidate',
      () =>
        interviewer.waitForFunction(
          (identity) =>
            document.querySelector('[data-testid="agent-candidate"]')?.textContent === identity &&
            document.querySelector('[data-testid="agent-state"]')?.textContent === 'analysing' &&
            document.querySelector('[data-kind="video-frames"]') !== null &&
            document.querySelector('[data-kind="audio-level"]') !== null &&
            document.querySelector('[data-type="stats"]') !== null,
          candidateIdentity,
          { timeout: 30_000 },
        ),
      dispatchHint(stack),
    );
    const shown = await interviewer.getByTestId('agent-message').count();
    const video = await interviewer
      .getByTestId('candidate-video')
      .evaluate((v: HTMLVideoElement) => `${v.videoWidth}x${v.videoHeight}`);
    expect(shown).toBeGreaterThan(3);
    await expect(interviewer.getByTestId('agent-invalid').textContent()).resolves.toBe('0');
    const received = Number(
      await interviewer.getByTestId('interviewer-view').getAttribute('data-agent-packets'),
    );
    expect(received).toBeGreaterThanOrEqual(shown);

    // Nothing of the agent's reaches the candidate's page.
    expect(await candidate.getByTestId('agent-message').count()).toBe(0);
    await expect(candidate.getByTestId('candidate-view').getAttribute('data-agent-packets')).resolves.toBe(
      '0',
    );
    await expect(candidate.getByTestId('connection-state').getAttribute('data-state')).resolves.toBe(
      'connected',
    );

    await interviewer.screenshot({ path: join(SCREENSHOTS, 'interviewer.png'), fullPage: true });
    await candidate.screenshot({ path: join(SCREENSHOTS, 'candidate.png'), fullPage: true });

    // A wrong invite shows the token server's error code; a bare page asks for an invite link.
    const wrong = created.links.candidate.replace(/invite=[^&]+/, 'invite=not-the-invite');
    const { page: refused } = await open(wrong);
    await refused.getByTestId('name').fill('Mallory');
    await refused.getByTestId('consent').check();
    await refused.getByTestId('join').click();
    await refused.waitForSelector('[data-testid="error"][data-code="invalid_invite"]', { timeout: 10_000 });
    const { page: bare } = await open(`${server.url}/join`);
    await bare.waitForSelector('[data-testid="error"][data-code="missing_invite"]', { timeout: 10_000 });

    console.log(
      `[measure] web client: first load ${loadMs} ms (navigation→load ${Math.round(Number((navigation as { loadEventEnd?: number })?.loadEventEnd ?? -1))} ms), ` +
        `candidate video ${video}, ${received} agent payloads / ${shown} shown, case ${Date.now() - started} ms`,
    );
    await candidate.getByTestId('leave').click();
    await interviewer.getByTestId('leave').click();
    expect(verifyCapture({ expectMedia: true }).failures).toEqual([]);
  });
});
