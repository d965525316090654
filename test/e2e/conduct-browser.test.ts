/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat, espeak, silence, writeWav } from '../fixtures/audio.js';
import { browserMedia } from '../fixtures/browser-media.js';
import { ARTIFACTS_DIR, ROOT } from '../fixtures/paths.js';
import { explainFailure, launchChromium, type StaticServer, startStaticServer } from './clients/browser.js';
import {
  type CreatedSession,
  join as joinRoom,
  type TestParticipant,
  waitFor,
} from './clients/participant.js';
import { type Stack, startStackWithLocalStt } from './harness/stack.js';

const run = promisify(execFile);
const SCREENSHOTS = join(ARTIFACTS_DIR, 'screenshots');
const QUESTION = 'Are you planning to have children soon?';

/**
 * An interviewer in our web client (real Chromium) asks a protected-topic question into the fake microphone; the
 * warning appears in that interviewer's conduct panel only. A second interviewer and the candidate (rtc-node
 * clients) get no conduct note.
 */
describe('conduct notes in the web client', () => {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let server: StaticServer | undefined;
  const others: TestParticipant[] = [];

  beforeAll(async () => {
    await run(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], {
      cwd: join(ROOT, 'web'),
    });
    const dir = join(ARTIFACTS_DIR, 'media');
    mkdirSync(dir, { recursive: true });
    const speech = writeWav(join(dir, 'conduct-question.wav'), concat(silence(1), espeak(QUESTION)));
    const [media, s] = await Promise.all([
      browserMedia({ speech, trailingSilenceSeconds: 4 }),
      startStackWithLocalStt(),
    ]);
    stack = s;
    browser = await launchChromium(media);
    server = await startStaticServer({
      root: join(ROOT, 'web/dist'),
      spaFallback: true,
      apiTarget: s.tokenServerUrl,
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close().catch(() => {});
    for (const p of others) await p.leave().catch(() => {});
    await server?.close().catch(() => {});
    await stack?.stop();
  });

  it('shows the protected-topic warning with a lawful rephrase to the asking interviewer only', async () => {
    const s = stack ?? expect.unreachable('stack did not start');
    const b = browser ?? expect.unreachable('browser did not start');
    const web = server ?? expect.unreachable('no static server');
    const created = await s.post<CreatedSession & { links: Record<'candidate' | 'interviewer', string> }>(
      '/api/sessions',
      { title: 'conduct e2e' },
    );
    const candidate = await joinRoom(s, created, 'candidate', 'Cam Candidate');
    const second = await joinRoom(s, created, 'interviewer', 'Ola Interviewer');
    others.push(candidate, second);

    const link = new URL(created.links.interviewer);
    const page: Page = await (await b.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (error) => console.log(`[web page] ${error.message}`));
    await page.goto(`${web.url}${link.pathname}${link.search}`, { waitUntil: 'load' });
    await page.getByTestId('name').fill('Ivy Interviewer');
    await page.getByTestId('join').click();
    await page.getByTestId('interviewer-view').waitFor();
    await expect(page.getByTestId('conduct-panel').isHidden()).resolves.toBe(true);

    // The fake microphone asks the question in a loop; the agent transcribes it and warns this interviewer.
    const note = await explainFailure(
      SCREENSHOTS,
      page,
      'the protected-topic warning in the conduct panel',
      () =>
        page.waitForSelector('[data-testid="conduct-note"][data-kind="protected-topic"]', {
          timeout: 90_000,
        }),
      'the interviewer transcript should show the question',
    );
    await expect(note.getAttribute('data-severity')).resolves.toBe('warning');
    await expect(note.textContent()).resolves.toMatch(/family plans, children or pregnancy/);
    await expect(note.$eval('[data-testid="conduct-rephrase"]', (e) => e.textContent ?? '')).resolves.toMatch(
      /^Instead: .*schedule/,
    );
    await expect(page.getByTestId('conduct-panel').isVisible()).resolves.toBe(true);

    // The others keep receiving the session's messages, but never a conduct note.
    await waitFor('the second interviewer to receive agent messages', () =>
      second.messages.length > 0 ? true : undefined,
    );
    expect(second.messages.filter((m) => m.type === 'conduct')).toEqual([]);
    expect(candidate.messages).toEqual([]);
    expect(second.invalid + candidate.invalid).toBe(0);
  }, 300_000);
});
