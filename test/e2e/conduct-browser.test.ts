/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat, espeak, silence, writeWav } from '../fixtures/audio.js';
import { ARTIFACTS_DIR } from '../fixtures/paths.js';
import {
  type CreatedSession,
  join as joinRoom,
  type TestParticipant,
  waitFor,
} from './clients/participant.js';
import {
  type BrowserRig,
  explain,
  joinAsInterviewer,
  openWebPage,
  startBrowserRig,
} from './clients/web-app.js';
import { startStackWithLocalStt } from './harness/stack.js';

const QUESTION = 'Are you planning to have children soon?';

/**
 * An interviewer in our web client (real Chromium) asks a protected-topic question into the fake microphone; the
 * warning appears in that interviewer's conduct panel only. A second interviewer and the candidate (rtc-node
 * clients) get no conduct note.
 */
describe('conduct notes in the web client', () => {
  let rig: BrowserRig | undefined;
  const others: TestParticipant[] = [];

  beforeAll(async () => {
    const dir = join(ARTIFACTS_DIR, 'media');
    mkdirSync(dir, { recursive: true });
    const speech = writeWav(join(dir, 'conduct-question.wav'), concat(silence(1), espeak(QUESTION)));
    rig = await startBrowserRig({
      startStack: () => startStackWithLocalStt(),
      media: { speech, trailingSilenceSeconds: 4 },
      web: true,
    });
  });
  afterAll(async () => {
    for (const p of others) await p.leave().catch(() => {});
    await rig?.close();
  });

  it('shows the protected-topic warning with a lawful rephrase to the asking interviewer only', async () => {
    const {
      stack: s,
      browser: b,
      web: served,
    } = rig ?? expect.unreachable('the stack or the browser did not start');
    const web = served ?? expect.unreachable('no static server');
    const created = await s.post<CreatedSession & { links: Record<'candidate' | 'interviewer', string> }>(
      '/api/sessions',
      { title: 'conduct e2e' },
    );
    const candidate = await joinRoom(s, created, 'candidate', 'Cam Candidate');
    const second = await joinRoom(s, created, 'interviewer', 'Ola Interviewer');
    others.push(candidate, second);

    const { page } = await openWebPage(b, web, created.links.interviewer);
    await joinAsInterviewer(page, 'Ivy Interviewer');
    await expect(page.getByTestId('conduct-panel').isHidden()).resolves.toBe(true);

    // The fake microphone asks the question in a loop; the agent transcribes it and warns this interviewer.
    const note = await explain(
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
