import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { POSE, PoseLandmarker, type PoseLandmarks } from './pose-landmarks.js';
import { measurePose } from './pose-measures.js';
import { ensureModels, PHOTOS, photo } from './testing.js';

async function body(name: string, width = 640, height = 480): Promise<PoseLandmarks | undefined> {
  const p = await photo(name, { width, height });
  return new PoseLandmarker().landmarks(p.rgb, p.width, p.height);
}

async function crop(name: string, left: number, top: number, width: number, height: number) {
  const { data } = await sharp(join(PHOTOS, name))
    .extract({ left, top, width, height })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
}, 120_000);

describe('PoseLandmarker (MediaPipe Pose full, ONNX)', () => {
  it('places shoulders below the nose and both wrists on the stretching photo, one raised', async () => {
    const b = await body('pose-stretch-man.jpg');
    expect(b?.presence).toBeGreaterThan(0.5);
    const p = b?.points ?? [];
    const at = (i: number) => p[i] ?? { x: Number.NaN, y: Number.NaN, visibility: 0 };
    expect(at(POSE.leftShoulder).y).toBeGreaterThan(at(POSE.nose).y);
    expect(at(POSE.rightShoulder).y).toBeGreaterThan(at(POSE.nose).y);
    // both hands rest on the tree at the image's left, far from the body
    for (const wrist of [POSE.leftWrist, POSE.rightWrist]) {
      expect(at(wrist).visibility).toBeGreaterThan(0.8);
      expect(at(wrist).x).toBeLessThan(200);
    }
    // the upper hand (his right) is above his shoulder, the lower one below
    expect(at(POSE.rightWrist).y).toBeLessThan(at(POSE.rightShoulder).y);
    expect(at(POSE.leftWrist).y).toBeGreaterThan(at(POSE.leftShoulder).y);
    const m = measurePose(p, 640, 480);
    expect(m.raised).toEqual({ left: false, right: true });
    expect(m.handNearFace).toBe(false);
  });

  it('reads frontal portraits as upright: no raised hand, small tilt, wrists out of view', async () => {
    for (const name of ['face-frontal-man.jpg', 'face-frontal-smile-woman.jpg']) {
      const b = await body(name);
      expect(b?.presence, name).toBeGreaterThan(0.9);
      const m = measurePose(b?.points ?? [], 640, 480);
      // the smiling woman's photo is a close-up (face, hair, no shoulders in view): the model still fits a body,
      // which no longer counts as a head-and-shoulders view (see pose-cases.ts)
      expect(m.upperBody, name).toBe(name === 'face-frontal-man.jpg');
      if (m.upperBody) {
        expect(Math.abs(m.shoulderTiltDeg), name).toBeLessThan(8);
        expect(m.headHeight, name).toBeGreaterThan(0.2);
      }
      expect(m.raised, name).toEqual({ left: false, right: false });
      expect(m.handNearFace, name).toBe(false);
      expect(b?.points[POSE.leftWrist]?.visibility, name).toBeLessThan(0.5);
    }
  });

  it('reads the shoulder tilt of a rotated camera with its sign (image-right shoulder lower = positive)', async () => {
    const tilt = async (deg: number) => {
      const { data } = await sharp(join(PHOTOS, 'face-frontal-man.jpg'))
        .rotate(deg, { background: '#000' }) // positive = clockwise
        .resize(640, 480, { fit: 'cover' })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const b = await new PoseLandmarker().landmarks(new Uint8Array(data), 640, 480);
      return measurePose(b?.points ?? [], 640, 480).shoulderTiltDeg;
    };
    const [left, level, right] = [await tilt(-20), await tilt(0), await tilt(20)];
    expect(left).toBeLessThan(-12);
    expect(Math.abs(level)).toBeLessThan(8);
    expect(right).toBeGreaterThan(6);
    expect(right - left).toBeGreaterThan(20);
  });

  it('tracks: once its ROI has settled, a frame of the same view needs one model run', async () => {
    const p = await photo('face-frontal-man.jpg', { width: 640, height: 480 });
    const lm = new PoseLandmarker();
    const runs: (PoseLandmarks | undefined)[] = [];
    for (let i = 0; i < 3; i++) runs.push(await lm.landmarks(p.rgb, 640, 480));
    expect(runs[0]?.passes).toBeGreaterThan(1); // searched
    expect(runs[2]?.passes).toBe(1);
    const dx = (runs[0]?.points[0]?.x ?? 0) - (runs[2]?.points[0]?.x ?? 99);
    expect(Math.abs(dx)).toBeLessThan(15);
  });

  it('finds nobody on black frames, an eye close-up and crops of background', async () => {
    const lm = new PoseLandmarker();
    expect(await lm.landmarks(new Uint8Array(640 * 480 * 3), 640, 480)).toBeUndefined();
    expect(await body('eye-closeup.jpg')).toBeUndefined();
    // sky and sea right of the stretching man's head; bench and ground below his arm
    expect(
      await lm.landmarks(await crop('pose-stretch-man.jpg', 780, 0, 244, 240), 244, 240),
    ).toBeUndefined();
    expect(
      await lm.landmarks(await crop('pose-stretch-man.jpg', 240, 800, 300, 224), 300, 224),
    ).toBeUndefined();
  });

  it('survives odd, tiny, portrait, rotated and malformed frames and a resolution change', async () => {
    const lm = new PoseLandmarker();
    expect(await lm.landmarks(new Uint8Array(4 * 4 * 3), 4, 4)).toBeUndefined();
    expect(await lm.landmarks(new Uint8Array(10), 640, 480)).toBeUndefined();
    expect(await lm.landmarks(new Uint8Array(0), 0, 0)).toBeUndefined();
    expect(await lm.landmarks(new Uint8Array(30), Number.NaN, 10)).toBeUndefined();
    for (const [w, h] of [
      [333, 601],
      [161, 97],
      [17, 9],
      [1920, 1080],
    ] as const) {
      const p = await photo('face-frontal-man.jpg', { width: w, height: h });
      const b = await lm.landmarks(p.rgb, w, h); // one landmarker across sizes: a resolution change
      if (w >= 161) expect(b?.presence, `${w}×${h}`).toBeGreaterThan(0.5);
    }
    // rotated 90° (a camera sending sideways frames): no throw, and any points are finite. The
    // upright-only search does not recover the rotation (MediaPipe's person detector would)
    const upright = await sharp(join(PHOTOS, 'face-frontal-man.jpg'))
      .resize(480, 640, { fit: 'cover' })
      .toBuffer();
    const { data, info } = await sharp(upright)
      .rotate(90)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([640, 480]);
    const rotated = await new PoseLandmarker().landmarks(new Uint8Array(data), info.width, info.height);
    for (const q of rotated?.points ?? []) expect(Number.isFinite(q.x) && Number.isFinite(q.y)).toBe(true);
  });
});
