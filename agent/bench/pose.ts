/**
 * Pose benchmark (JSON to stdout and bench-results/pose.json), one intra-op thread (one core):
 * milliseconds per run of the pose landmark model alone and of the whole pose pipeline per
 * analysed frame (tracked: rotated ROI crop in typed arrays + model + mapping + measures), its
 * overhead against the model, the person detector alone, the search cost when nobody is tracked
 * yet (detector + whole-frame search), and the CPU share of one core per room at the analyser's
 * default rate.
 *
 *   npm run bench -w agent      (or: npx tsx bench/pose.ts; BENCH_RUNS=50 for a quick run)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnxSession } from '../src/vision/onnx-sessions.js';
import { PoseLandmarker } from '../src/vision/pose-landmarks.js';
import { measurePose } from '../src/vision/pose-measures.js';
import { ensureModels, photo } from '../src/vision/testing.js';

const RUNS = Number(process.env.BENCH_RUNS) || 200;
const MODEL = 'pose-landmark-full';
const DETECTOR = 'pose-detection';
const failed = await ensureModels();
if (failed.length) throw failed[0];

type Timing = { medianMs: number; p90Ms: number };
const r3 = (x: number) => Number(x.toFixed(3));

async function timeIt(fn: () => unknown, runs = RUNS, afterWarmUp = () => {}): Promise<Timing> {
  for (let i = 0; i < 10; i++) await fn();
  afterWarmUp();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { medianMs: r3(t[Math.floor(runs / 2)] as number), p90Ms: r3(t[Math.floor(runs * 0.9)] as number) };
}

/** A fixture photo as packed RGB24 filling `width`×`height`. */
const frame = async (name: string, width: number, height: number) =>
  (await photo(name, { width, height })).rgb;

const session = await onnxSession(MODEL);
const input = new Float32Array(256 * 256 * 3).map(() => Math.random());
const model = await timeIt(() =>
  session.run({ input_1: new ort.Tensor('float32', input, [1, 256, 256, 3]) }),
);
const detSession = await onnxSession(DETECTOR);
const detInput = new Float32Array(224 * 224 * 3).map(() => Math.random() * 2 - 1);
const detector = await timeIt(() =>
  detSession.run({ input_1: new ort.Tensor('float32', detInput, [1, 224, 224, 3]) }),
);

const pipelines: Record<string, Timing & { modelRunsPerFrame: number; overheadRatio: number }> = {};
for (const [name, w, h] of [
  ['face-frontal-man.jpg', 640, 480],
  ['pose-stretch-man.jpg', 640, 480],
  ['face-frontal-man.jpg', 1280, 720],
] as const) {
  const rgb = await frame(name, w, h);
  const landmarker = new PoseLandmarker();
  for (let i = 0; i < 5; i++) await landmarker.landmarks(rgb, w, h); // search, then let the ROI settle
  let runs = 0;
  let frames = 0;
  const timing = await timeIt(
    async () => {
      const body = await landmarker.landmarks(rgb, w, h);
      if (!body) throw new Error(`no body on ${name}`);
      runs += body.passes;
      frames++;
      measurePose(body.points, w, h);
    },
    RUNS,
    () => {
      runs = frames = 0; // count the timed runs only
    },
  );
  const perFrame = runs / frames;
  pipelines[`${name.replace('.jpg', '')} ${w}x${h}`] = {
    ...timing,
    modelRunsPerFrame: r3(perFrame),
    overheadRatio: Number((timing.medianMs / (model.medianMs * perFrame)).toFixed(2)),
  };
}

// nobody tracked (first frame, or the person was lost): detector, then the whole-frame search
const rgb = await frame('face-frontal-man.jpg', 640, 480);
let searchRuns = 0;
const search = await timeIt(
  async () => {
    const body = await new PoseLandmarker().landmarks(rgb, 640, 480);
    searchRuns = body?.passes ?? 0;
  },
  Math.max(10, Math.floor(RUNS / 5)),
);
const empty = new Uint8Array(640 * 480 * 3);
const nobody = await timeIt(
  () => new PoseLandmarker().landmarks(empty, 640, 480),
  Math.max(10, Math.floor(RUNS / 5)),
);

const tracked = pipelines['face-frontal-man 640x480']?.medianMs ?? 0;
const fps = 2; // the sampler's rate while the candidate speaks (1 fps otherwise)
const result = {
  bench: 'pose',
  at: new Date().toISOString(),
  runs: RUNS,
  threads: { intraOp: 1, interOp: 1 },
  model: { [MODEL]: model, [DETECTOR]: detector },
  pipeline: {
    stages: ['rotated ROI crop 256² (bilinear, typed arrays)', MODEL, 'landmark mapping', 'pose measures'],
    tracked: pipelines,
    searchFirstFrame: { ...search, modelRuns: searchRuns },
    searchNobodyDetectorOnly: nobody,
  },
  cpuPerRoom: { fps, percentOfOneCoreTracked: Number(((tracked * fps) / 10).toFixed(2)) },
};
const out = resolve(import.meta.dirname, '../../bench-results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'pose.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
