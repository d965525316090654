import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { FaceDetector } from './face-detector.js';
import { FaceLandmarker, type FaceLandmarks } from './face-landmarks.js';
import { type FaceMeasures, faceStates, measureFace } from './head-pose.js';
import { ensureModels, photo } from './testing.js';

const detector = new FaceDetector();
const landmarker = new FaceLandmarker();

async function frame(name: string, width: number, height: number, mirror = false) {
  return (await photo(name, { width, height, mirror })).rgb;
}

async function landmarks(name: string, mirror = false, w = 640, h = 480): Promise<FaceLandmarks> {
  const rgb = await frame(name, w, h, mirror);
  const [face] = await detector.detect(rgb, w, h);
  if (!face) throw new Error(`no face on ${name}`);
  const found = await landmarker.landmarks(rgb, w, h, face);
  if (!found) throw new Error(`no landmarks on ${name}`);
  return found;
}

const measure = async (name: string, mirror = false, w = 640, h = 480): Promise<FaceMeasures> =>
  measureFace((await landmarks(name, mirror, w, h)).points);

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
}, 60_000);

describe('measureFace (head pose, eyes, mouth)', () => {
  it('reads a frontal face as small yaw, pitch and roll', async () => {
    for (const [name, mirror] of [
      ['face-frontal-man.jpg', false],
      ['face-frontal-man.jpg', true],
      ['face-frontal-smile-woman.jpg', false],
    ] as const) {
      const m = await measure(name, mirror);
      expect(Math.abs(m.yaw)).toBeLessThan(12);
      expect(Math.abs(m.pitch)).toBeLessThan(15);
      expect(Math.abs(m.roll)).toBeLessThan(10);
    }
  });

  it('reads the turned face as about 35° yaw towards the image left, and its mirror image as the opposite', async () => {
    const turned = await measure('face-turned-woman.jpg');
    const mirrored = await measure('face-turned-woman.jpg', true);
    expect(turned.yaw).toBeLessThan(-25);
    expect(turned.yaw).toBeGreaterThan(-50);
    expect(mirrored.yaw).toBeGreaterThan(25);
    expect(mirrored.yaw).toBeLessThan(50);
    expect(Math.sign(turned.roll)).toBe(-Math.sign(mirrored.roll));
  });

  it('reads a strongly rolled head (the photo turned 45° and 90°): the crop is turned upright first', async () => {
    for (const angle of [45, 90, -45]) {
      const img = await photo('face-frontal-man.jpg', { width: 640, height: 480 });
      const { data, info } = await sharp(img.rgb, { raw: { width: 640, height: 480, channels: 3 } })
        .rotate(angle, { background: '#000' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const rgb = new Uint8Array(data);
      const [face] = await detector.detect(rgb, info.width, info.height);
      if (!face) throw new Error(`no face at ${angle}°`);
      const marks = await landmarker.landmarks(rgb, info.width, info.height, face);
      expect(marks?.presence).toBeGreaterThan(0.5);
      expect(marks?.crop.angle).toBeDefined();
      const m = measureFace(marks?.points ?? []);
      expect(Math.abs(m.roll - angle)).toBeLessThan(12); // sharp turns clockwise, as roll counts
      expect(Math.abs(m.yaw)).toBeLessThan(12);
      expect(faceStates(m).eyesClosed).toBe(false);
    }
  });

  it('keeps yaw at an odd, tiny resolution', async () => {
    const m = await measure('face-frontal-man.jpg', false, 161, 97);
    expect(Math.abs(m.yaw)).toBeLessThan(12);
  });

  it('measures open eyes on every face photo and a wider mouth on the laughing face', async () => {
    const man = await measure('face-frontal-man.jpg');
    const smile = await measure('face-frontal-smile-woman.jpg');
    for (const m of [man, smile]) {
      expect(m.eyeOpenness).toBeGreaterThan(0.18);
      expect(faceStates(m).eyesClosed).toBe(false);
    }
    expect(smile.mouthOpenness).toBeGreaterThan(man.mouthOpenness * 1.5);
    expect(faceStates(man).mouthOpen).toBe(false);
    expect(faceStates(smile, { mouthOpenAbove: 0.2 }).mouthOpen).toBe(true);
  });

  it('flags closed eyes and an open mouth from the ratios, and rejects a short point list', () => {
    const m = { yaw: 0, pitch: 0, roll: 0, eyeOpenness: 0.08, mouthOpenness: 0.5 };
    expect(faceStates(m)).toEqual({ eyesClosed: true, mouthOpen: true });
    expect(() => measureFace([])).toThrow(RangeError);
  });
});
