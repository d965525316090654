import { join, resolve } from 'node:path';
import { VideoBufferType, VideoFrame } from '@livekit/rtc-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { CandidateActivity } from '../analysers/activity.js';
import type { VideoSample } from '../analysers/analyser.js';
import { collect, testContext } from '../analysers/testing.js';
import { FaceAnalyser } from './face-analyser.js';
import { FaceDetector } from './face-detector.js';
import { FaceLandmarker } from './face-landmarks.js';
import { FacePipeline } from './face-pipeline.js';
import { fetchModels, loadManifest, modelsDir } from './models.js';

const SHARED = resolve(process.env.SHARED_DIR ?? resolve(import.meta.dirname, '../../../../shared'));
const PHOTOS = join(SHARED, 'fixtures/images');
const W = 320;
const H = 240;

async function rgb(name: string | null): Promise<Uint8Array> {
  if (!name) return new Uint8Array(W * H * 3);
  const { data } = await sharp(join(PHOTOS, name))
    .resize(W, H, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/** `script` as [photo or null for black, seconds] at 10 fps of frame time. */
async function* video(script: [string | null, number][]): AsyncIterable<VideoSample> {
  let t = 1_000_000;
  for (const [name, secs] of script) {
    const data = await rgb(name);
    for (let i = 0; i < secs * 10; i++, t += 100) {
      yield {
        width: W,
        height: H,
        receivedAt: t,
        timestampUs: BigInt(t) * 1000n,
        rgb: () => new VideoFrame(data, W, H, VideoBufferType.RGB24),
      };
    }
  }
}

beforeAll(async () => {
  expect(
    await fetchModels(await loadManifest(), {
      dir: modelsDir(process.env),
      mirror: join(SHARED, 'models'),
      log: () => {},
    }),
  ).toEqual([]);
}, 60_000);

/** `script` as [photo, width, height, seconds, rotate°] at 10 fps of frame time, each at its own size. */
async function* sized(script: [string, number, number, number, number?][]): AsyncIterable<VideoSample> {
  let t = 1_000_000;
  for (const [name, width, height, secs, rotate] of script) {
    let img = sharp(join(PHOTOS, name)).resize(width, height, { fit: 'cover' });
    if (rotate) img = img.rotate(rotate);
    const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const rgbData = new Uint8Array(data);
    for (let i = 0; i < secs * 10; i++, t += 100) {
      yield {
        width: info.width,
        height: info.height,
        receivedAt: t,
        timestampUs: BigInt(t) * 1000n,
        rgb: () => new VideoFrame(rgbData, info.width, info.height, VideoBufferType.RGB24),
      };
    }
  }
}

describe('FaceAnalyser', () => {
  it('reports look-away and no-face episodes with hysteresis, and samples at the set rate', async () => {
    const signals = await collect(
      new FaceAnalyser({ fps: 2, summaryMs: 5000 }).analyse(
        video([
          ['face-frontal-man.jpg', 3],
          ['face-turned-woman.jpg', 4],
          ['face-frontal-man.jpg', 3],
          [null, 4],
          ['face-frontal-man.jpg', 3],
        ]),
      ),
    );
    const episodes = signals
      .filter((s) => s.kind !== 'face-summary')
      .map((s) => `${s.kind}:${s.values.phase}`);
    expect(episodes).toEqual(['look-away:start', 'look-away:end', 'no-face:start', 'no-face:end']);
    const end = signals.find((s) => s.kind === 'look-away' && s.values.phase === 'end');
    expect(end?.values.durationMs).toBeGreaterThanOrEqual(3000);
    expect(end?.values.direction).toBe('image-left');
    // head pose from the Face Mesh landmarks: the turned photo reads about −35° yaw
    expect(end?.values.meanYawDeg).toBeLessThan(-25);
    expect(end?.values.meanYawDeg).toBeGreaterThan(-50);
    const summary = signals.find((s) => s.kind === 'face-summary');
    expect(summary?.values.landmarkFrames).toBeGreaterThan(5);
    expect(typeof summary?.values.meanYawDeg).toBe('number');
    expect(summary?.values.eyesClosedShare).toBe(0);
    expect(summary?.values.analysedFps).toBeCloseTo(2, 0);
    expect(summary?.values.framesSkipped).toBeGreaterThan(30);
  });

  it("decides an episode with the first frame at its time, not the rate's next one (1 fps, 1.5 s to start)", async () => {
    const signals = await collect(
      new FaceAnalyser({ fps: 1, summaryMs: 20_000 }).analyse(
        video([
          ['face-frontal-man.jpg', 3],
          ['face-turned-woman.jpg', 5],
          ['face-frontal-man.jpg', 4],
          [null, 5],
          ['face-frontal-man.jpg', 4],
        ]),
      ),
    );
    const starts = signals.filter((s) => s.kind !== 'face-summary' && s.values.phase === 'start');
    expect(starts.map((s) => s.kind)).toEqual(['look-away', 'no-face']);
    // started by a frame 1.5 s after the first one that showed it (at the rate alone: 2 s, the next 1-fps frame)
    for (const s of starts) expect(s.range.end - s.range.start).toBe(1500);
    const ends = signals.filter((s) => s.kind !== 'face-summary' && s.values.phase === 'end');
    expect(ends.map((s) => s.kind)).toEqual(['look-away', 'no-face']);
    const summary = signals.find((s) => s.kind === 'face-summary');
    // one frame sooner than the rate per start; ends fall on the 1-s grid anyway (1 s to end)
    expect(summary?.values.framesCloser).toBeGreaterThanOrEqual(2);
    expect(summary?.values.framesAnalysed).toBeLessThanOrEqual(21 + Number(summary?.values.framesCloser));
  });

  it('does not flap on a single odd frame', async () => {
    const signals = await collect(
      new FaceAnalyser({ fps: 2 }).analyse(
        video([
          ['face-frontal-man.jpg', 2],
          [null, 0.5],
          ['face-frontal-man.jpg', 2],
        ]),
      ),
    );
    expect(signals.filter((s) => s.kind !== 'face-summary')).toEqual([]);
  });

  it('follows a resolution change mid-stream (640×480 → 1280×720 → 320×240) without a throw', async () => {
    const signals = await collect(
      new FaceAnalyser({ fps: 2, summaryMs: 3000 }).analyse(
        sized([
          ['face-frontal-man.jpg', 640, 480, 3.5],
          ['face-frontal-man.jpg', 1280, 720, 3.5],
          ['face-frontal-man.jpg', 320, 240, 3.5],
        ]),
      ),
    );
    const summaries = signals.filter((s) => s.kind === 'face-summary');
    expect(summaries.map((s) => `${s.values.width}x${s.values.height}`)).toEqual([
      '640x480',
      '1280x720',
      '320x240',
    ]);
    for (const s of summaries) {
      expect(s.values.faceShare).toBe(1);
      expect(s.values.eyeContactShare).toBe(1);
    }
    expect(signals.filter((s) => s.kind !== 'face-summary')).toEqual([]);
  });

  it('takes portrait and 90°-rotated frames without a throw and reports their size', async () => {
    const signals = await collect(
      new FaceAnalyser({ fps: 2, summaryMs: 2500 }).analyse(
        sized([
          ['face-frontal-man.jpg', 360, 640, 3],
          ['face-frontal-man.jpg', 480, 640, 5, 90],
        ]),
      ),
    );
    const summaries = signals.filter((s) => s.kind === 'face-summary');
    expect(summaries[0]?.values).toMatchObject({ width: 360, height: 640, faceShare: 1 });
    expect(summaries.at(-1)?.values).toMatchObject({ width: 480, height: 640 });
    // BlazeFace still finds the face lying on its side; the Face Mesh crop is turned upright by the
    // detected eye line, so the head pose reads a roll of about 90° and the yaw of the upright photo;
    // the eye crops are not turned, so head pose alone decides eye contact there
    const rotated = summaries.at(-1)?.values ?? {};
    expect(rotated).toMatchObject({ faceShare: 1, eyeContactShare: 1 });
    expect(Number(rotated.landmarkFrames)).toBeGreaterThan(3);
    expect(rotated.irisFrames).toBe(0);
    expect(Math.abs(Number(rotated.meanRollDeg))).toBeGreaterThan(75);
    expect(Math.abs(Number(rotated.meanRollDeg))).toBeLessThan(105);
    expect(Math.abs(Number(rotated.meanYawDeg))).toBeLessThan(12);
    expect(signals.some((s) => s.kind === 'no-face')).toBe(false);
  });

  it('samples at 2 fps while the session activity says the candidate speaks, 1 fps otherwise', async () => {
    const activity = new CandidateActivity();
    const ctx = { ...testContext('video'), activity };
    async function* speakingThenQuiet(): AsyncIterable<VideoSample> {
      for await (const sample of video([['face-frontal-man.jpg', 12]])) {
        if (sample.receivedAt === 1_000_000) activity.speechStarted(sample.receivedAt);
        if (sample.receivedAt === 1_006_000) activity.speechEnded(sample.receivedAt);
        yield sample;
      }
    }
    const summaries = (
      await collect(new FaceAnalyser({ summaryMs: 5900 }).analyse(speakingThenQuiet(), ctx))
    ).filter((s) => s.kind === 'face-summary');
    expect(summaries.map((s) => [s.values.targetFps, s.values.framesAnalysed])).toEqual([
      [2, 12],
      [1, 6],
    ]);
  });

  it('keeps defaults for unset options and refuses a bad rate', () => {
    expect(() => new FaceAnalyser({ fps: undefined })).not.toThrow();
    expect(() => new FaceAnalyser({ fps: 0 })).toThrow(RangeError);
  });

  it('falls back to the nose offset when the landmark model is missing', async () => {
    const analyser = new FaceAnalyser(
      { fps: 2 },
      new FacePipeline(
        {},
        new FaceDetector(),
        new FaceLandmarker({ session: { dir: '/nonexistent-models' } }),
      ),
    );
    const signals = await collect(
      analyser.analyse(
        video([
          ['face-frontal-man.jpg', 2],
          ['face-turned-woman.jpg', 3],
        ]),
      ),
    );
    const start = signals.find((s) => s.kind === 'look-away' && s.values.phase === 'start');
    expect(start?.values.direction).toBe('image-left');
    expect(start?.values.meanNoseOffset).toBeLessThan(-0.25);
    expect(start?.values.meanYawDeg).toBeUndefined();
  });

  it('stops with a ModelError naming the model and the command when the model is missing', async () => {
    const analyser = new FaceAnalyser(
      {},
      new FacePipeline({}, new FaceDetector({ session: { dir: '/nonexistent-models' } })),
    );
    await expect(collect(analyser.analyse(video([['face-frontal-man.jpg', 1]])))).rejects.toMatchObject({
      code: 'model_missing',
      model: 'blazeface-front',
      message: expect.stringContaining('npm run models:fetch'),
    });
  });
});
