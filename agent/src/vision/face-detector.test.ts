import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FaceDetection, FaceDetector, noseOffset } from './face-detector.js';
import { ensureModels, PHOTOS, photo } from './testing.js';

async function frame(name: string, width = 640, height = 480) {
  return (await photo(name, { width, height })).rgb;
}

const detector = new FaceDetector();
const detect = async (name: string, w = 640, h = 480): Promise<FaceDetection[]> =>
  detector.detect(await frame(name, w, h), w, h);

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
}, 60_000);

describe('FaceDetector (BlazeFace ONNX)', () => {
  it('finds one face on each face photo, around the face', async () => {
    const [man] = await detect('face-frontal-man.jpg');
    expect(man?.score).toBeGreaterThan(0.85);
    // 640×480 crop of the 1080² photo: the face is in the upper middle
    expect((man?.x ?? 0) + (man?.width ?? 0) / 2).toBeGreaterThan(250);
    expect((man?.x ?? 0) + (man?.width ?? 0) / 2).toBeLessThan(390);
    expect(man?.width).toBeGreaterThan(120);
    expect(await detect('face-frontal-smile-woman.jpg')).toHaveLength(1);
    expect(await detect('face-turned-woman.jpg')).toHaveLength(1);
  });

  it('finds no face in crops without one, black frames and tiny frames', async () => {
    const { data } = await sharp(join(PHOTOS, 'face-frontal-man.jpg'))
      .extract({ left: 880, top: 0, width: 200, height: 400 })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(await detector.detect(new Uint8Array(data), 200, 400)).toEqual([]);
    expect(await detector.detect(new Uint8Array(320 * 240 * 3), 320, 240)).toEqual([]);
    expect(await detector.detect(new Uint8Array(4 * 4 * 3), 4, 4)).toEqual([]);
    expect(await detector.detect(new Uint8Array(10), 640, 480)).toEqual([]);
  });

  it('handles odd and portrait resolutions', async () => {
    expect(await detect('face-frontal-man.jpg', 333, 601)).toHaveLength(1);
    expect(await detect('face-frontal-man.jpg', 161, 97)).toHaveLength(1);
  });

  it('counts two faces side by side', async () => {
    const left = await sharp(join(PHOTOS, 'face-frontal-man.jpg'))
      .resize(320, 480, { fit: 'cover' })
      .toBuffer();
    const right = await sharp(join(PHOTOS, 'face-frontal-smile-woman.jpg'))
      .resize(320, 480, { fit: 'cover' })
      .toBuffer();
    const { data } = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#000' } })
      .composite([
        { input: left, left: 0, top: 0 },
        { input: right, left: 320, top: 0 },
      ])
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(await detector.detect(new Uint8Array(data), 640, 480)).toHaveLength(2);
  });

  it('tells a frontal face from a turned one by the nose offset (sign and size)', async () => {
    const [frontal] = await detect('face-frontal-man.jpg');
    const [turned] = await detect('face-turned-woman.jpg');
    const f = noseOffset(frontal as FaceDetection);
    const t = noseOffset(turned as FaceDetection);
    expect(Math.abs(f)).toBeLessThan(0.1);
    // the woman turns her face towards the image's left (her right; her eyes look the other way)
    expect(t).toBeLessThan(-0.25);
  });
});
