import { join, resolve } from 'node:path';
import { VideoBufferType, VideoFrame } from '@livekit/rtc-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SignalDraft, VideoSample } from '../analysers/analyser.js';
import { FaceAnalyser } from './face-analyser.js';
import { FaceDetector } from './face-detector.js';
import { FaceLandmarker } from './face-landmarks.js';
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

async function collect(it: AsyncIterable<SignalDraft>): Promise<SignalDraft[]> {
  const out: SignalDraft[] = [];
  for await (const d of it) out.push(d);
  return out;
}

beforeAll(async () => {
  expect(
    await fetchModels(await loadManifest(), {
      dir: modelsDir(),
      mirror: join(SHARED, 'models'),
      log: () => {},
    }),
  ).toEqual([]);
}, 60_000);

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

  it('keeps defaults for unset options and refuses a bad rate', () => {
    expect(() => new FaceAnalyser({ fps: undefined })).not.toThrow();
    expect(() => new FaceAnalyser({ fps: 0 })).toThrow(RangeError);
  });

  it('falls back to the nose offset when the landmark model is missing', async () => {
    const analyser = new FaceAnalyser(
      { fps: 2 },
      new FaceDetector(),
      new FaceLandmarker({ session: { dir: '/nonexistent-models' } }),
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
    const analyser = new FaceAnalyser({}, new FaceDetector({ session: { dir: '/nonexistent-models' } }));
    await expect(collect(analyser.analyse(video([['face-frontal-man.jpg', 1]])))).rejects.toMatchObject({
      code: 'model_missing',
      model: 'blazeface-front',
      message: expect.stringContaining('npm run models:fetch'),
    });
  });
});
