import * as ort from 'onnxruntime-node';
import { type OnnxSessionOptions, onnxSession } from './onnx-sessions.js';
import { cropRotated, type PoseRoi, roiFromAlignment, wholeFrameRoi } from './pose-roi.js';

/** A person found by {@link PoseDetector}, in frame pixels. */
export interface PersonDetection {
  /** Probability that this is a person, 0–1. */
  score: number;
  /** Box centre and size. */
  cx: number;
  cy: number;
  width: number;
  height: number;
  /** Hip centre, full-body size/rotation point, shoulder centre, upper-body size/rotation point. */
  keypoints: [number, number][];
}

/** Options of {@link PoseDetector}. */
export interface PoseDetectorOptions {
  /** Minimum person probability. */
  threshold: number;
  /** Overlap (IoU) above which two detections are one person (weighted merge, as MediaPipe). */
  iou: number;
  session: Partial<OnnxSessionOptions>;
}

export const defaultPoseDetectorOptions: PoseDetectorOptions = {
  threshold: 0.5,
  iou: 0.3,
  session: {},
};

const MODEL = 'pose-detection';
const SIZE = 224;
const ANCHORS = ssdAnchors();

/**
 * Anchor centres of MediaPipe's pose detector, generated like its SsdAnchorsCalculator with the
 * options of `pose_detection_cpu.pbtxt`: 5 layers with strides 8, 16, 32, 32, 32 on a 224² input,
 * aspect ratio 1 plus one interpolated scale (2 anchors per layer and cell), fixed anchor size,
 * offset 0.5; layers of equal stride share a feature map. 28²·2 + 14²·2 + 7²·6 = 2254 anchors.
 */
export function ssdAnchors(): Float32Array {
  const strides = [8, 16, 32, 32, 32];
  const out: number[] = [];
  let layer = 0;
  while (layer < strides.length) {
    let perCell = 0;
    let last = layer;
    while (last < strides.length && strides[last] === strides[layer]) {
      perCell += 2;
      last++;
    }
    const cells = Math.ceil(SIZE / (strides[layer] as number));
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++)
        for (let a = 0; a < perCell; a++) out.push((x + 0.5) / cells, (y + 0.5) / cells);
    layer = last;
  }
  return Float32Array.from(out);
}

function iou(a: PersonDetection, b: PersonDetection): number {
  const ix = Math.max(
    0,
    Math.min(a.cx + a.width / 2, b.cx + b.width / 2) - Math.max(a.cx - a.width / 2, b.cx - b.width / 2),
  );
  const iy = Math.max(
    0,
    Math.min(a.cy + a.height / 2, b.cy + b.height / 2) - Math.max(a.cy - a.height / 2, b.cy - b.height / 2),
  );
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter || 1);
}

/**
 * MediaPipe Pose's person detector (ONNX, 224² SSD, converted by `models/convert-pose.py`) on a
 * whole RGB24 frame: letterboxes it (typed-array crop, RGB in [-1, 1]), decodes the 2254 anchors
 * (box + 4 alignment keypoints), merges overlaps with MediaPipe's weighted suppression, and maps
 * everything back to frame pixels.
 */
export class PoseDetector {
  /** The model it runs (`models/manifest.json`). */
  static readonly model = MODEL;
  #opts: PoseDetectorOptions;
  #input = new Float32Array(SIZE * SIZE * 3);

  constructor(opts: Partial<PoseDetectorOptions> = {}) {
    this.#opts = { ...defaultPoseDetectorOptions, ...opts };
  }

  /** Loads the model (rejects with a `ModelError` when it is missing or corrupt). */
  ready(): Promise<unknown> {
    return onnxSession(MODEL, this.#opts.session);
  }

  /** People in a packed RGB24 frame, most confident first. */
  async detect(rgb: Uint8Array, width: number, height: number): Promise<PersonDetection[]> {
    if (!(width >= 8 && height >= 8) || rgb.length < width * height * 3) return [];
    const session = await onnxSession(MODEL, this.#opts.session);
    const roi = wholeFrameRoi(width, height);
    const input = this.#input;
    cropRotated(rgb, width, height, roi, SIZE, input);
    for (let i = 0; i < input.length; i++) input[i] = (input[i] as number) * 2 - 1; // [0,1] → [-1,1]
    const out = await session.run({ input_1: new ort.Tensor('float32', input, [1, SIZE, SIZE, 3]) });
    const boxes = out.Identity?.data as Float32Array | undefined;
    const scores = out.Identity_1?.data as Float32Array | undefined;
    if (!boxes || !scores) throw new Error(`model ${MODEL} returned no Identity / Identity_1 output`);
    // input pixel → frame pixel (the letterbox square is centred on the frame, side = longer side)
    const k = roi.size / SIZE;
    const ox = roi.cx - roi.size / 2;
    const oy = roi.cy - roi.size / 2;
    const found: PersonDetection[] = [];
    const logit = Math.log(this.#opts.threshold / (1 - this.#opts.threshold));
    for (let i = 0; i < ANCHORS.length / 2; i++) {
      const raw = Math.max(-100, Math.min(100, scores[i] as number));
      if (raw < logit) continue;
      const ax = (ANCHORS[i * 2] as number) * SIZE;
      const ay = (ANCHORS[i * 2 + 1] as number) * SIZE;
      const b = i * 12;
      const keypoints: [number, number][] = [];
      for (let p = 0; p < 4; p++)
        keypoints.push([
          ox + (ax + (boxes[b + 4 + p * 2] as number)) * k,
          oy + (ay + (boxes[b + 5 + p * 2] as number)) * k,
        ]);
      found.push({
        score: 1 / (1 + Math.exp(-raw)),
        cx: ox + (ax + (boxes[b] as number)) * k,
        cy: oy + (ay + (boxes[b + 1] as number)) * k,
        width: (boxes[b + 2] as number) * k,
        height: (boxes[b + 3] as number) * k,
        keypoints,
      });
    }
    return this.#weightedSuppression(found);
  }

  /** MediaPipe's WEIGHTED non-max suppression: each kept detection is the score-weighted mean of its overlaps. */
  #weightedSuppression(found: PersonDetection[]): PersonDetection[] {
    const left = [...found].sort((p, q) => q.score - p.score);
    const kept: PersonDetection[] = [];
    while (left.length) {
      const top = left[0] as PersonDetection;
      const group = left.filter((d) => iou(top, d) > this.#opts.iou);
      const rest = left.filter((d) => iou(top, d) <= this.#opts.iou);
      const total = group.reduce((s, d) => s + d.score, 0);
      const avg = (f: (d: PersonDetection) => number) =>
        group.reduce((s, d) => s + f(d) * d.score, 0) / total;
      kept.push({
        score: top.score,
        cx: avg((d) => d.cx),
        cy: avg((d) => d.cy),
        width: avg((d) => d.width),
        height: avg((d) => d.height),
        keypoints: top.keypoints.map((_, p) => [
          avg((d) => (d.keypoints[p] as [number, number])[0]),
          avg((d) => (d.keypoints[p] as [number, number])[1]),
        ]),
      });
      left.splice(0, left.length, ...rest);
    }
    return kept;
  }
}

/** The landmark model's ROI for a detection, as MediaPipe's pose_detection_to_roi: hip centre → full-body point, ×1.25. */
export function roiFromDetection(d: PersonDetection, scale = 1.25): PoseRoi {
  return roiFromAlignment(d.keypoints[0] as [number, number], d.keypoints[1] as [number, number], scale);
}
