import { beforeAll, describe, expect, it } from 'vitest';
import { FaceDetector } from './face-detector.js';
import { FaceLandmarker } from './face-landmarks.js';
import { ensureModels, photo } from './testing.js';

const detector = new FaceDetector();
const landmarker = new FaceLandmarker();

async function frame(name: string, width: number, height: number) {
  return (await photo(name, { width, height })).rgb;
}

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
}, 60_000);

describe('FaceLandmarker (Face Mesh ONNX)', () => {
  it('puts 468 points inside the face box with a high face probability', async () => {
    const rgb = await frame('face-frontal-man.jpg', 640, 480);
    const [face] = await detector.detect(rgb, 640, 480);
    const found = await landmarker.landmarks(rgb, 640, 480, face as NonNullable<typeof face>);
    expect(found?.points).toHaveLength(468);
    expect(found?.presence).toBeGreaterThan(0.9);
    const f = face as NonNullable<typeof face>;
    const nose = found?.points[1] as [number, number, number];
    expect(nose[0]).toBeGreaterThan(f.x);
    expect(nose[0]).toBeLessThan(f.x + f.width);
    expect(nose[1]).toBeGreaterThan(f.y);
    expect(nose[1]).toBeLessThan(f.y + f.height);
  });

  it('gives a low face probability on a crop without a face', async () => {
    const rgb = await frame('face-frontal-man.jpg', 640, 480);
    // the street to the man's right: no face there
    const found = await landmarker.landmarks(rgb, 640, 480, { x: 0, y: 300, width: 120, height: 120 });
    expect(found?.presence).toBeLessThan(0.5);
  });

  it('handles boxes that leave the frame, tiny frames and short buffers', async () => {
    const rgb = await frame('face-frontal-man.jpg', 640, 480);
    const edge = await landmarker.landmarks(rgb, 640, 480, { x: -100, y: -100, width: 200, height: 200 });
    expect(edge?.points).toHaveLength(468);
    expect(
      await landmarker.landmarks(rgb, 640, 480, { x: 700, y: 0, width: 50, height: 50 }),
    ).toBeUndefined();
    expect(
      await landmarker.landmarks(new Uint8Array(10), 640, 480, { x: 0, y: 0, width: 9, height: 9 }),
    ).toBe(undefined);
    expect(await landmarker.landmarks(new Uint8Array(48), 4, 4, { x: 0, y: 0, width: 4, height: 4 })).toBe(
      undefined,
    );
  });
});
