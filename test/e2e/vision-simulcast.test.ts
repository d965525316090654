import {
  LocalVideoTrack,
  type RemoteTrack,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
  VideoStream,
} from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedPhotoFrames } from './clients/media.js';
import { createSession, join as joinRoom, signalsOf, waitFor } from './clients/participant.js';
import { type Stack, startStack } from './harness/stack.js';

const WIDTH = 1280;
const HEIGHT = 720;

describe('vision: the agent asks the SFU for a small simulcast layer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ agentEnv: { VISION_VIDEO_WIDTH: '640', VISION_VIDEO_HEIGHT: '360' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a 1280×720 simulcast camera reaches the agent as its 640×360 layer while an interviewer gets 1280×720', async () => {
    const created = await createSession(stack);
    const interviewer = await joinRoom(stack, created, 'interviewer', 'Ivy Interviewer');
    // the interviewer (rtc-node, no adaptive stream) subscribes at full quality: the control
    const seenByInterviewer = new Set<string>();
    interviewer.room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
      if (track.kind !== TrackKind.KIND_VIDEO) return;
      const reader = new VideoStream(track).getReader();
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          seenByInterviewer.add(`${value.frame.width}x${value.frame.height}`);
        }
      })().catch(() => {});
    });
    const candidate = await joinRoom(stack, created, 'candidate', 'Cam Candidate');
    const [face] = await namedPhotoFrames(WIDTH, HEIGHT, 'face-frontal-man.jpg');
    if (!face) throw new Error('missing fixture face-frontal-man.jpg');
    const source = new VideoSource(WIDTH, HEIGHT);
    const track = LocalVideoTrack.createVideoTrack('camera', source);
    const pub = await candidate.room.localParticipant?.publishTrack(
      track,
      new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA, simulcast: true }),
    );
    const frame = new VideoFrame(face.rgba, WIDTH, HEIGHT, VideoBufferType.RGBA);
    const timer = setInterval(() => source.captureFrame(frame), 100);
    try {
      const first = await waitFor('a video-frames signal from the agent', () =>
        signalsOf(interviewer, 'video-frames').find((s) => Number(s.values.frames) > 0),
      );
      // the publisher's encoder starts on its low layers and adds the full one as bandwidth estimates grow
      await waitFor('the interviewer to receive the full 1280×720 layer', () =>
        seenByInterviewer.has(`${WIDTH}x${HEIGHT}`) ? true : undefined,
      );
      const allLayers = Date.now();
      // Once every layer flows the agent gets the 640×360 layer it asked for, never the full one. A publisher short
      // of CPU pauses its upper layers for a while (libwebrtc's adaptation), and the SFU then forwards the best one
      // left (320×180): a window at that size is the publisher's doing, a window at the full size the agent's.
      const since = allLayers + 500;
      const frameWindows = () => signalsOf(interviewer, 'video-frames').filter((s) => s.range.start > since);
      const faceWindows = () => signalsOf(interviewer, 'face-summary').filter((s) => s.range.start > since);
      const asked = (s: { values: { width?: number; height?: number } }) =>
        s.values.width === 640 && s.values.height === 360;
      const later = await waitFor('a 640×360 video-frames window after all layers flow', () =>
        frameWindows().find(asked),
      );
      // the face pipeline on the layer the agent gets (640×360, or 320×180 while the publisher pauses its upper
      // layers): a face summary that found the face in most analysed frames
      const summary = await waitFor('a face summary that found the face, after all layers flow', () =>
        faceWindows().find((s) => Number(s.values.faceShare) > 0.5),
      );
      const sizes = [...frameWindows(), ...faceWindows()].map((s) => `${s.values.width}x${s.values.height}`);
      console.log(
        `[measure] agent received ${first.values.width}x${first.values.height} first, then ${later.values.width}x${later.values.height} at ${later.values.fps} fps; windows after all layers flowed: ${sizes.join(' ')}; interviewer saw ${[...seenByInterviewer].join(', ')}; face-summary ${JSON.stringify(summary.values)}`,
      );
      expect(sizes).not.toContain(`${WIDTH}x${HEIGHT}`);
      expect([640, 320]).toContain(summary.values.width);
    } finally {
      clearInterval(timer);
      if (pub?.sid) await candidate.room.localParticipant?.unpublishTrack(pub.sid).catch(() => {});
      await source.close();
      await candidate.leave();
      await interviewer.leave();
    }
  }, 300_000);
});
