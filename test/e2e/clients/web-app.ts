import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { type BrowserMediaOptions, browserMedia } from '../../fixtures/browser-media.js';
import { ARTIFACTS_DIR, ROOT } from '../../fixtures/paths.js';
import type { Stack } from '../harness/stack.js';
import { explainFailure, launchChromium, type StaticServer, startStaticServer } from './browser.js';

const run = promisify(execFile);

/** Screenshots and page dumps of the browser tests (failures included). */
export const SCREENSHOTS = join(ARTIFACTS_DIR, 'screenshots');

/** The production build of our web client. */
export const WEB_DIST = join(ROOT, 'web/dist');

/** Runs `wait`; on failure saves a screenshot and the page's HTML under {@link SCREENSHOTS} and says what it shows. */
export const explain = <T>(page: Page, what: string, wait: () => Promise<T>, hint = '') =>
  explainFailure(SCREENSHOTS, page, what, wait, hint);

/** A stack, headless Chromium with fake capture devices and, when asked, our web client served in front of it. */
export interface BrowserRig {
  stack: Stack;
  browser: Browser;
  /** The built web client, `/api` forwarded to the token server (with `web: true`). */
  web?: StaticServer;
  /** Closes the browser and the static server, then stops the stack. */
  close(): Promise<void>;
}

/**
 * Starts the stack (`startStack`) while the fake media are made, launches Chromium on them and, with `web`,
 * builds the web client (`vite build`) and serves it.
 */
export async function startBrowserRig(opts: {
  startStack: () => Promise<Stack>;
  media?: Partial<BrowserMediaOptions>;
  web?: boolean;
}): Promise<BrowserRig> {
  if (opts.web)
    await run(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], {
      cwd: join(ROOT, 'web'),
    });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const [media, stack] = await Promise.all([browserMedia(opts.media), opts.startStack()]);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium(media);
    const web = opts.web
      ? await startStaticServer({ root: WEB_DIST, spaFallback: true, apiTarget: stack.tokenServerUrl })
      : undefined;
    const opened = browser;
    return {
      stack,
      browser: opened,
      ...(web ? { web } : {}),
      close: async () => {
        await opened.close().catch(() => {});
        await web?.close().catch(() => {});
        await stack.stop();
      },
    };
  } catch (err) {
    await browser?.close().catch(() => {});
    await stack.stop();
    throw err;
  }
}

/** Opens a session link of the token server (`/join?…`) on `web`, in a new 1280×800 browser context. */
export async function openWebPage(
  browser: Browser,
  web: StaticServer,
  link: string,
): Promise<{ page: Page; loadMs: number }> {
  const url = new URL(link, web.url);
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('pageerror', (error) => console.log(`[web page] ${error.message}`));
  const t0 = Date.now();
  await page.goto(`${web.url}${url.pathname}${url.search}`, { waitUntil: 'load' });
  return { page, loadMs: Date.now() - t0 };
}

/** Joins from an interviewer's join page under `name` and waits for the interviewer view. */
export async function joinAsInterviewer(page: Page, name: string): Promise<void> {
  await page.getByTestId('name').fill(name);
  await page.getByTestId('join').click();
  await page.getByTestId('interviewer-view').waitFor();
}
