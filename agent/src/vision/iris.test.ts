import { beforeAll, describe, expect, it } from 'vitest';
import { FaceDetector } from './face-detector.js';
import { FaceLandmarker } from './face-landmarks.js';
import { IrisLandmarker } from './iris.js';
import { ensureModels, photo } from './testing.js';

const iris = new IrisLandmarker();

const raw = (name: string, width?: number, height?: number) => photo(name, { width, height });

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
}, 60_000);

describe('IrisLandmarker (MediaPipe Iris ONNX)', () => {
  it('finds the iris centre on the eye close-up, mirrored or not', async () => {
    const { rgb, width, height } = await raw('eye-closeup.jpg');
    expect([width, height]).toEqual([512, 512]);
    // eye corners read off the 512² photo by eye; the iris centre sits at about (266, 256)
    for (const mirror of [false, true]) {
      const found = await iris.eye(rgb, width, height, [160, 262], [370, 250], mirror);
      expect(found?.centre[0]).toBeGreaterThan(246);
      expect(found?.centre[0]).toBeLessThan(286);
      expect(found?.centre[1]).toBeGreaterThan(236);
      expect(found?.centre[1]).toBeLessThan(276);
      expect(Math.abs(found?.offset[0] ?? 1)).toBeLessThan(0.2);
    }
  });

  it('reads frontal faces as looking about straight, and refuses crops outside the frame', async () => {
    const detector = new FaceDetector();
    const landmarker = new FaceLandmarker();
    for (const name of ['face-frontal-man.jpg', 'face-frontal-smile-woman.jpg']) {
      const { rgb, width, height } = await raw(name, 640, 480);
      const [face] = await detector.detect(rgb, width, height);
      if (!face) throw new Error(`no face on ${name}`);
      const marks = await landmarker.landmarks(rgb, width, height, face);
      const gaze = await iris.gaze(rgb, width, height, marks?.points ?? []);
      expect(Math.abs(gaze?.x ?? 1)).toBeLessThan(0.2);
      expect(Math.abs(gaze?.y ?? 1)).toBeLessThan(0.25);
    }
    const { rgb } = await raw('eye-closeup.jpg');
    expect(await iris.eye(rgb, 512, 512, [0, 0], [200, 0])).toBeUndefined();
    expect(await iris.eye(new Uint8Array(10), 512, 512, [100, 100], [200, 100])).toBeUndefined();
  });
});
