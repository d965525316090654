import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedPhotoFrames, publishCamera } from './clients/media.js';
import { createSession, join as joinRoom, signalsOf, waitFor } from './clients/participant.js';
import { type Stack, startStack } from './harness/stack.js';

const WIDTH = 640;
const HEIGHT = 480;

describe('vision: pose analysis through the real server', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ agentEnv: { STT_ENGINE: 'none' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a candidate who raises a hand and lowers it again yields raised-hand start and end, to interviewers only', async () => {
    const created = await createSession(stack);
    const interviewer = await joinRoom(stack, created, 'interviewer', 'Ivy Interviewer');
    const candidate = await joinRoom(stack, created, 'candidate', 'Cam Candidate');
    const frames = await namedPhotoFrames(WIDTH, HEIGHT, 'face-frontal-man.jpg', 'pose-stretch-man.jpg');
    // frontal 5 s → stretching (right hand above the shoulder) 5 s → frontal …
    const camera = await publishCamera(candidate.room, frames, { fps: 10, holdSeconds: 5 });
    // the agent may start in either phase: look for a start, then the end after it
    const start = await waitFor('a raised-hand start', () =>
      signalsOf(interviewer, 'raised-hand').find((s) => s.values.phase === 'start'),
    );
    const end = await waitFor('the raised-hand end after it', () =>
      signalsOf(interviewer, 'raised-hand').find(
        (s) => s.values.phase === 'end' && s.range.start === start.range.start,
      ),
    );
    expect(start.analyser).toBe('pose');
    expect(start.media).toBe('video');
    expect(end.values.side).toBe('right');
    expect(Number(end.values.durationMs)).toBeGreaterThanOrEqual(2000);
    expect(Number(end.values.durationMs)).toBeLessThanOrEqual(9000); // 5 s hold + 1 s exit + sampling under load
    expect(Number(end.values.maxWristAboveShoulder)).toBeGreaterThan(0.25);
    expect(end.range.end).toBeGreaterThan(start.range.start);
    expect(candidate.messages).toHaveLength(0);
    console.log(`[measure] raised-hand ${JSON.stringify(end.values)} sent=${camera.sent()}`);
    await camera.stop();
    await candidate.leave();
    await interviewer.leave();
  }, 180_000);
});
