import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VideoBufferType, VideoFrame } from '@livekit/rtc-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VideoSample } from '../analysers/analyser.js';
import { collect } from '../analysers/testing.js';
import { ModelError } from './models.js';
import { PoseAnalyser } from './pose-analyser.js';
import { POSE_CASES, type PoseCase, poseFrame } from './pose-cases.js';
import { PoseLandmarker } from './pose-landmarks.js';
import { ensureModels, PHOTOS, photo } from './testing.js';

const W = 640;
const H = 480;

/** A photo as a `w`×`h` frame; `name@deg` turns it by `deg` degrees clockwise first (a tilted camera). */
async function frame(name: string, w: number, h: number): Promise<Uint8Array> {
  const [file = '', deg] = name.split('@');
  if (deg === undefined) return (await photo(file, { width: w, height: h })).rgb;
  const { data } = await sharp(join(PHOTOS, file))
    .rotate(Number(deg), { background: '#000' })
    .resize(w, h, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/** `script` as [photo or null for black, seconds, size?] at 10 fps of frame time. */
async function* video(script: [string | null, number, [number, number]?][]): AsyncIterable<VideoSample> {
  let t = 1_000_000;
  for (const [name, secs, [w, h] = [W, H]] of script) {
    const data = name ? await frame(name, w, h) : new Uint8Array(w * h * 3);
    for (let i = 0; i < secs * 10; i++, t += 100) {
      yield {
        width: w,
        height: h,
        receivedAt: t,
        timestampUs: BigInt(t) * 1000n,
        rgb: () => new VideoFrame(data, w, h, VideoBufferType.RGB24),
      };
    }
  }
}

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
}, 120_000);

describe('PoseAnalyser', () => {
  it('reports exactly the expected episodes for a scripted stream (no flapping)', async () => {
    const signals = await collect(
      new PoseAnalyser({ fps: 2, summaryMs: 10_000 }).analyse(
        video([
          ['face-frontal-man.jpg', 6],
          ['pose-stretch-man.jpg', 4],
          ['face-frontal-man.jpg', 4],
          [null, 3],
          ['face-frontal-man.jpg', 3],
        ]),
      ),
    );
    const episodes = signals
      .filter((s) => s.kind !== 'pose-summary')
      .map((s) => `${s.kind}:${s.values.phase}`);
    expect(episodes).toEqual([
      'raised-hand:start',
      'posture-change:start',
      'raised-hand:end',
      'posture-change:end',
      'out-of-frame:start',
      'out-of-frame:end',
    ]);
    const raised = signals.find((s) => s.kind === 'raised-hand' && s.values.phase === 'end');
    expect(raised?.values.side).toBe('right');
    expect(raised?.values.durationMs).toBeGreaterThanOrEqual(2500);
    expect(raised?.values.durationMs).toBeLessThanOrEqual(5000);
    expect(raised?.values.maxWristAboveShoulder).toBeGreaterThan(0.25);
    expect(raised?.confidence).toBeGreaterThan(0.5);
    // the stretching man's head sits far to the side of his shoulders against the baseline's upright head
    const posture = signals.find((s) => s.kind === 'posture-change' && s.values.phase === 'end');
    expect(String(posture?.values.change)).toMatch(/lean-image-left/);
    expect(posture?.values.baselineHeadHeight).toBeGreaterThan(0.2);
    const gone = signals.find((s) => s.kind === 'out-of-frame' && s.values.phase === 'end');
    expect(gone?.values.noPersonShare).toBe(1);
    const summary = signals.find((s) => s.kind === 'pose-summary');
    expect(summary?.values.analysedFps).toBeGreaterThan(1.8);
    expect(summary?.values.analysedFps).toBeLessThanOrEqual(2.1);
    expect(summary?.values.framesSkipped).toBeGreaterThan(70);
    expect(summary?.values.upperBodyShare).toBe(1);
  });

  it('reports a shoulder tilt while the camera is turned 20°, and nothing else', async () => {
    const signals = await collect(
      new PoseAnalyser({ fps: 2 }).analyse(
        video([
          ['face-frontal-man.jpg', 6],
          ['face-frontal-man.jpg@-20', 5],
          ['face-frontal-man.jpg', 4],
        ]),
      ),
    );
    const episodes = signals
      .filter((s) => s.kind !== 'pose-summary')
      .map((s) => `${s.kind}:${s.values.phase}`);
    expect(episodes).toEqual(['shoulder-tilt:start', 'shoulder-tilt:end']);
    const end = signals.find((s) => s.kind === 'shoulder-tilt' && s.values.phase === 'end');
    expect(end?.values.meanShoulderTiltDeg).toBeLessThan(-12); // counter-clockwise: the image-left shoulder drops
    expect(end?.values.lowerSide).toBe('image-left');
    expect(end?.values.durationMs).toBeGreaterThanOrEqual(3000);
    expect(end?.values.durationMs).toBeLessThanOrEqual(7000);
  });

  it('starts exactly the labelled hand and framing episodes on still frames (close-ups, turned heads, a raised arm)', async () => {
    // labelled frames of pose-cases.ts: on close-ups of the stretching man's turned head (beard and
    // collar, no hands in view) the model guesses a "wrist" in the beard, its elbow below the frame
    // (a close-up of a turned head, stretch-head-30, is a known miss of out-of-frame: docs/quality.md)
    const ids = [
      'stretch-whole',
      'stretch-head-40',
      'woman-smile-60',
      'man-face-35',
      'woman-turned-whole',
      'man-whole',
      'black',
    ];
    for (const id of ids) {
      const c = POSE_CASES.tuning.find((x) => x.id === id) as PoseCase;
      const data = await poseFrame(c, W, H);
      async function* still(): AsyncIterable<VideoSample> {
        for (let i = 0, t = 1_000_000; i < 40; i++, t += 100)
          yield {
            width: W,
            height: H,
            receivedAt: t,
            timestampUs: BigInt(t) * 1000n,
            rgb: () => new VideoFrame(data, W, H, VideoBufferType.RGB24),
          };
      }
      const signals = await collect(new PoseAnalyser({ fps: 2 }).analyse(still()));
      const started = new Set<string>(signals.filter((s) => s.values.phase === 'start').map((s) => s.kind));
      for (const [kind, fires] of Object.entries(c.labels))
        expect(started.has(kind), `${id}: ${kind}`).toBe(fires);
    }
  });

  it('keeps going through odd sizes and resolution changes mid-stream', async () => {
    const analyser = new PoseAnalyser({ fps: 5, summaryMs: 2000 });
    const signals = await collect(
      analyser.analyse(
        video([
          ['face-frontal-man.jpg', 1],
          ['face-frontal-man.jpg', 1, [333, 601]],
          [null, 1, [17, 9]],
          ['pose-stretch-man.jpg', 1, [1280, 720]],
        ]),
      ),
    );
    const summaries = signals.filter((s) => s.kind === 'pose-summary');
    expect(summaries.map((s) => `${s.values.width}x${s.values.height}`)).toEqual(['17x9']); // the window closes on the first 17×9 frame
    // the frontal man is found at 640×480 and at 333×601 (most of the frames analysed at 5 fps up to then)
    expect(summaries[0]?.values.upperBodyShare).toBeGreaterThan(0.5);
  });

  it('stops with a ModelError naming the fix when the model is missing or corrupt', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'pose-models-'));
    const missing = new PoseAnalyser({}, new PoseLandmarker({ session: { dir: empty } }));
    const err = await collect(missing.analyse(video([['face-frontal-man.jpg', 1]]))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe('model_missing');
    expect((err as ModelError).message).toContain('npm run models:fetch');
    await writeFile(join(empty, 'pose_landmark_full.onnx'), 'not a model');
    const corrupt = new PoseAnalyser({}, new PoseLandmarker({ session: { dir: empty } }));
    const err2 = await collect(corrupt.analyse(video([['face-frontal-man.jpg', 1]]))).catch(
      (e: unknown) => e,
    );
    expect((err2 as ModelError).code).toBe('model_checksum_mismatch');
    await rm(empty, { recursive: true });
  });
});
