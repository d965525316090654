/// <reference lib="dom" />
import { join } from 'node:path';
import { AGENT_CANDIDATE_ATTRIBUTE } from '@interview-helper/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../fixtures/paths.js';
import { INDEPENDENT_CLIENT_HTML, type StaticServer, startStaticServer } from './clients/browser.js';
import {
  agentOf,
  createSession,
  FULL_CONSENT,
  join as joinRoom,
  meanDbfs,
  signalNumber,
  signalsOf,
  type TestParticipant,
  waitFor,
  waitForLaterFrames,
} from './clients/participant.js';
import { type BrowserRig, startBrowserRig } from './clients/web-app.js';
import { verifyCapture } from './harness/livekit.js';
import { dispatchHint, startStack } from './harness/stack.js';

const MIN_FRAMES = 60;
const MIN_AUDIO_SECONDS = 5;

type Grant = { token: string; url: string; identity: string };

const agentCandidate = (p: TestParticipant) => agentOf(p)?.attributes[AGENT_CANDIDATE_ATTRIBUTE];

/** A page of our own that uses nothing but the stock livekit-client build, in real Chromium (fake devices). */
describe('a real Chromium client with stock livekit-client against the whole stack', () => {
  let rig: BrowserRig | undefined;
  let server: StaticServer | undefined;
  const participants: TestParticipant[] = [];

  beforeAll(async () => {
    // the page publishes a camera and a microphone: the agent decodes both (no speech-to-text is needed here)
    rig = await startBrowserRig({ startStack: () => startStack() });
    server = await startStaticServer({
      files: {
        '/': { body: INDEPENDENT_CLIENT_HTML, type: 'text/html; charset=utf-8' },
        '/livekit-client.umd.js': {
          path: join(ROOT, 'node_modules/livekit-client/dist/livekit-client.umd.js'),
        },
      },
    });
  });
  afterAll(async () => {
    for (const p of participants) await p.leave().catch(() => {});
    await server?.close().catch(() => {});
    await rig?.close();
  });

  it('an independent page using only stock livekit-client is analysed by the agent', async () => {
    const started = Date.now();
    const { stack, browser } = rig ?? expect.unreachable('the stack or the browser did not start');
    const site = server ?? expect.unreachable('no static server');
    const created = await createSession(stack);
    const interviewer = await joinRoom(stack, created, 'interviewer', 'Ivy Interviewer');
    participants.push(interviewer);
    const grant = await stack.post<Grant>('/api/token', {
      session: created.session.id,
      role: 'candidate',
      name: 'Browser Candidate',
      invite: created.invites.candidate,
      consent: FULL_CONSENT,
    });

    const page = await browser.newPage();
    page.on('pageerror', (error) => console.log(`[independent page] ${error.message}`));
    await page.goto(site.url);
    const published = await page.evaluate(
      ([url, token]) =>
        (window as unknown as { publish(u: string, t: string): Promise<unknown> }).publish(url, token),
      [grant.url, grant.token] as const,
    );
    expect(published).toMatchObject({ identity: grant.identity, width: 640, height: 480 });
    expect((published as { sources: string[] }).sources.sort()).toEqual(['camera', 'microphone']);

    // the agent's job starts when the room opens: on a loaded machine that takes up to 120 s, as elsewhere
    await waitFor(
      'the agent to pick the browser as candidate',
      () => (agentCandidate(interviewer) === grant.identity ? true : undefined),
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}${dispatchHint(stack)}`);
    });
    const video = await waitFor('60 decoded frames', () => {
      const s = signalsOf(interviewer, 'video-frames').at(-1);
      return signalNumber(s, 'totalFrames') >= MIN_FRAMES ? s : undefined;
    });
    const audio = await waitFor('5 s of decoded audio', () => {
      const s = signalsOf(interviewer, 'audio-level').at(-1);
      return signalNumber(s, 'totalSeconds') >= MIN_AUDIO_SECONDS ? s : undefined;
    });
    const sender = await page.evaluate(() =>
      (window as unknown as { senderStats(): Promise<unknown> }).senderStats(),
    );

    // this page publishes without simulcast: the agent's 480×360 request cannot pick a smaller layer, so it gets the full size
    expect(video.values).toMatchObject({ width: 640, height: 480 });
    // the rate the agent takes frames at follows the machine's load (a [measure] figure); a live stream goes on
    // giving frames after the 60 waited for
    await waitForLaterFrames(interviewer, video);
    const level = meanDbfs(signalsOf(interviewer, 'audio-level'));
    expect(level).toBeGreaterThan(-50);
    expect(level).toBeLessThan(-3);
    expect(audio.values).toMatchObject({ channels: 1 });
    expect(interviewer.invalid).toBe(0);
    console.log(
      `[measure] independent client: frames=${signalNumber(video, 'totalFrames')} ${video.values.width}x${video.values.height} ` +
        `fps=${signalNumber(video, 'fps')} audio=${signalNumber(audio, 'totalSeconds')} s at ${level.toFixed(1)} dBFS, ` +
        `sender=${JSON.stringify(sender)}, case ${Date.now() - started} ms`,
    );
    await page.close();
    await interviewer.leave();
    expect(verifyCapture({ expectMedia: true }).failures).toEqual([]);
  }, 300_000);
});
