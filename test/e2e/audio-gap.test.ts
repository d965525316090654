import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreatedSession, signalsOf, waitFor } from './clients/participant.js';
import {
  type BrowserRig,
  explain,
  joinAsInterviewer,
  openWebPage,
  startBrowserRig,
} from './clients/web-app.js';
import { SPEECH_WAV, startInterview, until, waitForAnalysis } from './harness/interview.js';
import { jobPidOf, startStack } from './harness/stack.js';

/** How long the job process is stopped: longer than its receive queues hold, shorter than any time-out. */
const STOP_MS = 6000;

describe('audio the agent could not analyse is named to the interviewer', () => {
  let rig: BrowserRig | undefined;
  beforeAll(async () => {
    rig = await startBrowserRig({ startStack: () => startStack(), web: true });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('a job process stopped for 6 s mid-answer: an audio-gap signal names the stretch, later audio is dated after it', async () => {
    const {
      stack,
      browser,
      web: served,
    } = rig ?? expect.unreachable('the stack or the browser did not start');
    const web = served ?? expect.unreachable('no static server');
    const interview = await startInterview<CreatedSession & { links: Record<'interviewer', string> }>(stack, {
      camera: { fps: 10 },
      microphone: { wav: SPEECH_WAV },
    });
    const { created, interviewer } = interview;
    try {
      await waitForAnalysis(stack, interview, 120_000);
      // a second interviewer in our web client, in Chromium: nothing to say about audio yet
      const { page } = await openWebPage(browser, web, created.links.interviewer);
      await joinAsInterviewer(page, 'Ola Interviewer');
      const line = page.getByTestId('audio-gap-status');
      await expect(line.isHidden()).resolves.toBe(true);
      // the candidate's audio is analysed: a few audio-level windows have come
      await waitFor('audio-level signals', () =>
        signalsOf(interviewer, 'audio-level').length >= 3 ? true : undefined,
      );
      const pid = await waitFor('the job process pid in the agent log', () =>
        jobPidOf(stack, created.session.roomName),
      );

      const stoppedAt = Date.now();
      process.kill(pid, 'SIGSTOP');
      try {
        // The stop is the scenario (the process not scheduled at all), not a wait for a condition.
        await new Promise((r) => setTimeout(r, STOP_MS));
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      const resumedAt = Date.now();

      const gap = await waitFor(
        'an audio-gap signal about the candidate covering the stop',
        () =>
          signalsOf(interviewer, 'audio-gap').find(
            (s) => s.values.speaker === 'candidate' && s.range.end > stoppedAt,
          ),
        60_000,
      );
      const gapAt = Date.now();
      // the stretch lies within the stop (the queues kept its first part), and most of the stop is in it
      expect(gap.range.start).toBeGreaterThanOrEqual(stoppedAt - 1000);
      expect(gap.range.end).toBeLessThanOrEqual(resumedAt + 1000);
      expect(gap.values.seconds).toBeGreaterThan(2);
      expect(gap.values.seconds).toBeLessThanOrEqual((resumedAt - stoppedAt) / 1000 + 0.5);
      expect(gap.values.totalSeconds).toBeGreaterThanOrEqual(gap.values.seconds);
      expect(gap.summary).toMatch(/candidate's audio/);

      // Analysis goes on after the gap: audio-level windows of audio heard after it, none dated inside it.
      const later = await waitFor('an audio-level window after the gap', () =>
        signalsOf(interviewer, 'audio-level').find((s) => s.range.start >= gap.range.end),
      );
      const inside = signalsOf(interviewer, 'audio-level').filter(
        (s) => s.range.start > gap.range.start + 500 && s.range.end < gap.range.end - 500,
      );
      expect(inside, 'audio-level windows dated inside the gap').toEqual([]);
      // What the interviewer sees: the latest stretch (the Chromium interviewer's own microphone may have lost audio
      // in the stop too, and its gap may arrive after the candidate's) and the candidate's total so far, as the
      // signals say it once the line has caught up with them.
      await explain(page, 'the "Audio not fully analysed" line', () =>
        line.waitFor({ state: 'visible', timeout: 30_000 }),
      );
      const candidateTotal = () => {
        const latest = new Map<string, number>();
        for (const s of signalsOf(interviewer, 'audio-gap'))
          if (s.values.speaker === 'candidate') latest.set(s.values.reason, s.values.totalSeconds);
        return Math.round([...latest.values()].reduce((a, b) => a + b, 0) * 10) / 10;
      };
      const text = await until('the line to show the candidate total of the signals', async () => {
        const t = (await line.textContent()) ?? '';
        return t.includes(`${candidateTotal()} s of the candidate's audio in this interview so far`)
          ? t
          : undefined;
      });
      expect(candidateTotal()).toBeGreaterThanOrEqual(gap.values.seconds);
      expect(text).toMatch(/^Audio not fully analysed /);
      const named = signalsOf(interviewer, 'audio-gap').map(
        (s) =>
          `${s.values.seconds} s of ${s.values.speaker === 'candidate' ? "the candidate's" : "an interviewer's"} audio`,
      );
      expect(
        named.some((n) => text.includes(n)),
        `one of ${named.join('; ')} named in: ${text}`,
      ).toBe(true);
      expect(text).toMatch(/signals and hints of that stretch are missing/);
      await expect(line.getAttribute('data-state')).resolves.toBe('gaps');
      const log = stack.agent.output();
      expect(log).toMatch(/audio of the track was lost|voice activity fell too far behind/);
      console.log(
        `[measure] audio-gap stoppedMs=${resumedAt - stoppedAt} reason=${gap.values.reason} ` +
          `gapSeconds=${gap.values.seconds} gaps=${gap.values.gaps} gapStartAfterStopMs=${gap.range.start - stoppedAt} ` +
          `gapEndBeforeResumeMs=${resumedAt - gap.range.end} resumedToSignalMs=${gapAt - resumedAt} ` +
          `laterWindowStartAfterResumeMs=${later.range.start - resumedAt}`,
      );
    } finally {
      await interview.end();
    }
  });
});
