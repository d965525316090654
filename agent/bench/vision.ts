/**
 * Vision benchmark (JSON to stdout and bench-results/vision.json): milliseconds per frame for each
 * model alone, and for the whole face pipeline (sharp letterbox + BlazeFace + decoding, then sharp
 * crop + Face Mesh + head pose / eye / mouth measures) on a 640×480 frame, with one intra-op
 * thread (one core).
 *
 *   npm run bench -w agent
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { FaceDetector } from '../src/vision/face-detector.js';
import { FaceLandmarker } from '../src/vision/face-landmarks.js';
import { measureFace } from '../src/vision/head-pose.js';
import { fetchModels, loadManifest, modelsDir } from '../src/vision/models.js';
import { onnxSession } from '../src/vision/onnx-sessions.js';

const SHARED = resolve(process.env.SHARED_DIR ?? resolve(import.meta.dirname, '../../../shared'));
const RUNS = Number(process.env.BENCH_RUNS) || 200;
const failed = await fetchModels(await loadManifest(), {
  dir: modelsDir(),
  mirror: process.env.MODELS_MIRROR ?? join(SHARED, 'models'),
  log: () => {},
});
if (failed.length) throw failed[0];

async function timeIt(fn: () => Promise<unknown>): Promise<{ medianMs: number; p90Ms: number }> {
  for (let i = 0; i < 10; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  const r = (x: number) => Number(x.toFixed(3));
  return { medianMs: r(t[Math.floor(RUNS / 2)] as number), p90Ms: r(t[Math.floor(RUNS * 0.9)] as number) };
}

const models: Record<string, { medianMs: number; p90Ms: number }> = {};
for (const [name, input, shape] of [
  ['blazeface-front', 'input:0', [1, 128, 128, 3]],
  ['face-landmark', 'input_1', [1, 3, 192, 192]],
  ['iris-landmark', 'input_1', [1, 3, 64, 64]],
] as const) {
  const session = await onnxSession(name);
  const data = new Float32Array(shape.reduce((a: number, b: number) => a * b, 1)).map(() => Math.random());
  models[name] = await timeIt(() => session.run({ [input]: new ort.Tensor('float32', data, [...shape]) }));
}
const { data } = await sharp(join(SHARED, 'fixtures/images/face-frontal-man.jpg'))
  .resize(640, 480, { fit: 'cover' })
  .removeAlpha()
  .raw()
  .toBuffer({ resolveWithObject: true });
const frame = new Uint8Array(data);
const detector = new FaceDetector();
const landmarker = new FaceLandmarker();
const detectOnly = await timeIt(() => detector.detect(frame, 640, 480));
const pipeline = await timeIt(async () => {
  const [face] = await detector.detect(frame, 640, 480);
  if (!face) throw new Error('bench frame has no face');
  const marks = await landmarker.landmarks(frame, 640, 480, face);
  if (marks) measureFace(marks.points);
});
const modelSum = (models['blazeface-front']?.medianMs ?? 0) + (models['face-landmark']?.medianMs ?? 0);
const result = {
  bench: 'vision',
  at: new Date().toISOString(),
  runs: RUNS,
  threads: { intraOp: 1, interOp: 1 },
  frame: '640x480 RGB24',
  models,
  pipeline: {
    stages: [
      'sharp letterbox 128²',
      'blazeface-front',
      'anchor decoding + NMS',
      'sharp crop 192²',
      'face-landmark',
      'head pose + eye/mouth ratios',
    ],
    ...pipeline,
    sumOfModelMedianMs: modelSum,
    overheadRatio: Number((pipeline.medianMs / modelSum).toFixed(2)),
  },
  detectorOnly: {
    ...detectOnly,
    overheadRatio: Number((detectOnly.medianMs / (models['blazeface-front']?.medianMs ?? 1)).toFixed(2)),
  },
  cpuPerRoomAt2Fps: `${((pipeline.medianMs * 2) / 10).toFixed(2)} % of one core`,
};
const out = resolve(import.meta.dirname, '../../bench-results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'vision.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
