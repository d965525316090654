import { join, resolve } from 'node:path';
import { VideoBufferType, VideoFrame } from '@livekit/rtc-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VideoSample } from '../analysers/analyser.js';
import { collect } from '../analysers/testing.js';
import { FaceAnalyser } from './face-analyser.js';
import { FaceDetector } from './face-detector.js';
import { FacePipeline } from './face-pipeline.js';
import { fetchModels, loadManifest, modelsDir } from './models.js';

const SHARED = resolve(process.env.SHARED_DIR ?? resolve(import.meta.dirname, '../../../../shared'));
const PHOTOS = join(SHARED, 'fixtures/images');
const W = 320;
const H = 240;

/** `script` as [photo or null for black, seconds] at 10 fps of frame time. */
async function* video(script: [string | null, number][]): AsyncIterable<VideoSample> {
  let t = 1_000_000;
  for (const [name, secs] of script) {
    const data = name
      ? new Uint8Array(
          (
            await sharp(join(PHOTOS, name))
              .resize(W, H, { fit: 'cover' })
              .removeAlpha()
              .raw()
              .toBuffer({ resolveWithObject: true })
          ).data,
        )
      : new Uint8Array(W * H * 3);
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

describe('FaceAnalyser under the gaze accommodation (face presence only)', () => {
  it('runs BlazeFace alone and reports only whether a face (or a second one) is in view', async () => {
    const pipeline = new FacePipeline({}, new FaceDetector(), null, null);
    expect(await pipeline.ready()).toEqual({ landmarks: false, iris: false });
    const analyser = new FaceAnalyser({ fps: 5, summaryMs: 1000, eyes: false }, pipeline);
    expect(analyser.name).toBe('face-presence');
    expect(analyser.emits).toEqual(['no-face', 'additional-person']);
    const signals = await collect(
      analyser.analyse(
        video([
          ['face-frontal-man.jpg', 2],
          // a turned head: a look-away for the full analyser, nothing here
          ['face-turned-woman.jpg', 4],
          [null, 3],
          ['face-frontal-man.jpg', 2],
        ]),
      ),
    );
    expect(new Set(signals.map((s) => s.kind))).toEqual(new Set(['no-face']));
    expect(signals.map((s) => s.values.phase)).toEqual(['start', 'end']);
  });
});
