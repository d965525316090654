import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signalsOf, waitFor } from './clients/participant.js';
import { SPEECH_WAV, startInterview, waitForAnalysis } from './harness/interview.js';
import { jobPidOf, type Stack, startStack } from './harness/stack.js';

/** How long the job process is stopped: longer than its receive queues hold, shorter than any time-out. */
const STOP_MS = 6000;

describe('audio the agent could not analyse is named to the interviewer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a job process stopped for 6 s mid-answer: an audio-gap signal names the stretch, later audio is dated after it', async () => {
    const interview = await startInterview(stack, { camera: { fps: 10 }, microphone: { wav: SPEECH_WAV } });
    const { created, interviewer } = interview;
    try {
      await waitForAnalysis(stack, interview, 120_000);
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
