import { beforeAll, describe, expect, it } from 'vitest';
import { estimateGaze, eyeRotationDeg } from './face-gaze.js';
import { FacePipeline } from './face-pipeline.js';
import { IrisLandmarker } from './iris.js';
import { ensureModels, photo } from './testing.js';

const pipeline = new FacePipeline();

async function observe(name: string, mirror = false) {
  const img = await photo(name, { width: 640, height: 480, mirror });
  const obs = await pipeline.run({ data: img.rgb, width: img.width, height: img.height });
  if (!obs.pose) throw new Error(`no landmarks on ${name}`);
  return obs as typeof obs & { pose: NonNullable<typeof obs.pose> };
}

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
  expect(await pipeline.ready()).toEqual({ landmarks: true, iris: true });
}, 60_000);

describe('estimateGaze (eye contact from iris + head pose)', () => {
  it('reads the frontal photos, mirrored or not, as eye contact from both irises', async () => {
    for (const [name, mirror] of [
      ['face-frontal-man.jpg', false],
      ['face-frontal-man.jpg', true],
      ['face-frontal-smile-woman.jpg', false],
      ['face-frontal-smile-woman.jpg', true],
    ] as const) {
      const obs = await observe(name, mirror);
      const gaze = estimateGaze(obs.pose, obs.iris);
      expect(gaze.source).toBe('iris');
      expect(gaze.eyeContact).toBe(true);
      expect(Math.abs(gaze.yawDeg)).toBeLessThan(12);
    }
  });

  it('lets head pose decide on the turned face, where the two irises disagree, and skips the iris model there', async () => {
    for (const mirror of [false, true]) {
      const obs = await observe('face-turned-woman.jpg', mirror);
      expect(obs.iris).toBeUndefined(); // |yaw| > 20°: the iris model is not run
      const gaze = estimateGaze(obs.pose, obs.iris);
      expect(gaze).toMatchObject({ source: 'head', eyeContact: false });
      expect(Math.sign(gaze.yawDeg)).toBe(mirror ? 1 : -1);
      // measured anyway, the two irises disagree there (one eye foreshortened): still head pose
      const img = await photo('face-turned-woman.jpg', { width: 640, height: 480, mirror });
      const all = await new FacePipeline({ irisYawLimitDeg: 90 }).run({
        data: img.rgb,
        width: 640,
        height: 480,
      });
      const iris = all.iris;
      if (!iris) throw new Error('no irises on the turned face');
      expect(Math.abs(iris.right.offset[0] - iris.left.offset[0])).toBeGreaterThan(0.3);
      expect(estimateGaze(obs.pose, iris, { irisYawLimitDeg: 90 }).source).toBe('head');
    }
  });

  it('turns a real off-centre iris into an eye rotation that breaks eye contact on a frontal head', async () => {
    // the eye close-up: corners read off the photo put the iris at the centre; corners placed
    // ~60 px further to the image left make the same iris sit off-centre, as in an eye looking to the image right
    const { rgb, width, height } = await photo('eye-closeup.jpg');
    const iris = new IrisLandmarker();
    const straight = await iris.eye(rgb, width, height, [160, 262], [370, 250]);
    const aside = await iris.eye(rgb, width, height, [120, 262], [300, 250]);
    if (!straight || !aside) throw new Error('iris not found on the close-up');
    const both = (x: number) => ({ right: straight, left: straight, x, y: 0 });
    const pose = { yaw: 3, pitch: -4, roll: 0, eyeOpenness: 0.3, mouthOpenness: 0 };
    expect(estimateGaze(pose, both(straight.offset[0])).eyeContact).toBe(true);
    expect(aside.offset[0]).toBeGreaterThan(0.45);
    const away = estimateGaze(pose, both(aside.offset[0]));
    expect(away).toMatchObject({ source: 'iris', eyeContact: false });
    expect(away.yawDeg).toBeGreaterThan(25);
    expect(eyeRotationDeg(0)).toBe(0);
    expect(eyeRotationDeg(5)).toBe(90);
  });

  it('falls back to head pose when the eyes disagree, and tightens thresholds for hysteresis', () => {
    const pose = { yaw: 18, pitch: 0, roll: 0, eyeOpenness: 0.3, mouthOpenness: 0 };
    const disagree = {
      right: { centre: [0, 0] as [number, number], offset: [0.4, 0] as [number, number] },
      left: { centre: [0, 0] as [number, number], offset: [-0.3, 0] as [number, number] },
      x: 0.05,
      y: 0,
    };
    expect(estimateGaze(pose, disagree)).toMatchObject({ source: 'head', eyeContact: true });
    expect(estimateGaze(pose, disagree, {}, 0.8).eyeContact).toBe(true); // 18 ≤ 25 × 0.8
    expect(estimateGaze({ ...pose, yaw: 22 }, undefined, {}, 0.8).eyeContact).toBe(false);
    expect(estimateGaze({ ...pose, yaw: 0, pitch: -35 }, undefined).eyeContact).toBe(false);
  });
});
