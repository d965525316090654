import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PersonDetection, PoseDetector, roiFromDetection, ssdAnchors } from './pose-detector.js';
import { PoseLandmarker } from './pose-landmarks.js';
import { ensureModels, PHOTOS, photo } from './testing.js';

const detector = new PoseDetector();

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
}, 120_000);

describe('PoseDetector (MediaPipe pose detection, ONNX)', () => {
  it('generates the 2254 SSD anchors of MediaPipe (28², 14² × 2, then 7² × 6)', () => {
    const a = ssdAnchors();
    expect(a.length / 2).toBe(2254);
    expect([a[0], a[1]]).toEqual([Math.fround(0.5 / 28), Math.fround(0.5 / 28)]);
    expect([a[2], a[3]]).toEqual([a[0], a[1]]); // two anchors per cell
    expect(a[(1568 + 392) * 2]).toBeCloseTo(0.5 / 7, 6); // first 7×7 cell
    expect(a[a.length - 2]).toBeCloseTo(6.5 / 7, 6);
  });

  it('finds one person on each photo of a person, with the hips below the shoulders', async () => {
    for (const name of [
      'face-frontal-man.jpg',
      'face-frontal-smile-woman.jpg',
      'face-turned-woman.jpg',
      'pose-stretch-man.jpg',
    ]) {
      const p = await photo(name, { width: 640, height: 480 });
      const found = await detector.detect(p.rgb, 640, 480);
      expect(found, name).toHaveLength(1);
      const [hip, , shoulders] = found[0]?.keypoints ?? [];
      expect(hip?.[1], name).toBeGreaterThan(shoulders?.[1] ?? Number.POSITIVE_INFINITY);
      // upright people: the ROI the detector gives is within 20° of upright
      expect(Math.abs(roiFromDetection(found[0] as PersonDetection).rotation), name).toBeLessThan(0.35);
    }
  });

  it('finds nobody on black frames, the eye close-up or background crops, and survives odd input', async () => {
    expect(await detector.detect(new Uint8Array(640 * 480 * 3), 640, 480)).toEqual([]);
    const eye = await photo('eye-closeup.jpg', { width: 640, height: 480 });
    expect(await detector.detect(eye.rgb, 640, 480)).toEqual([]);
    const { data, info } = await sharp(join(PHOTOS, 'pose-stretch-man.jpg'))
      .extract({ left: 780, top: 0, width: 244, height: 240 })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(await detector.detect(new Uint8Array(data), info.width, info.height)).toEqual([]);
    expect(await detector.detect(new Uint8Array(10), 640, 480)).toEqual([]);
    expect(await detector.detect(new Uint8Array(4 * 4 * 3), 4, 4)).toEqual([]);
    const odd = await photo('face-frontal-man.jpg', { width: 333, height: 601 });
    expect(await detector.detect(odd.rgb, 333, 601)).toHaveLength(1);
  });

  it('is optional: without its model the landmarker still finds the person by searching', async () => {
    const noDetector = new PoseDetector({ session: { dir: '/nonexistent-models' } });
    const p = await photo('face-frontal-man.jpg', { width: 640, height: 480 });
    const body = await new PoseLandmarker({}, noDetector).landmarks(p.rgb, 640, 480);
    expect(body?.presence).toBeGreaterThan(0.9);
    expect(body?.detected).toBe(false);
    const withDetector = await new PoseLandmarker().landmarks(p.rgb, 640, 480);
    expect(withDetector?.detected).toBe(true);
  });
});
