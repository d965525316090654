import * as ort from 'onnxruntime-node';
import { type OnnxSessionOptions, onnxSession } from './onnx-sessions.js';
import { SquareResampler } from './resample.js';

/** A face found by {@link FaceDetector}, in pixels of the analysed frame. */
export interface FaceDetection {
  /** Probability that this is a face, 0–1. */
  score: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Right eye, left eye, nose tip, mouth, right ear, left ear (subject's sides), frame pixels. */
  keypoints: [number, number][];
}

/** Options of {@link FaceDetector}. */
export interface FaceDetectorOptions {
  /** Minimum face probability. */
  threshold: number;
  /** Overlap (IoU) above which two detections are one face. */
  iou: number;
  /** Input value range the model expects: MediaPipe's BlazeFace takes RGB scaled to [-1, 1]. */
  range: [number, number];
  session: Partial<OnnxSessionOptions>;
}

export const defaultFaceDetectorOptions: FaceDetectorOptions = {
  threshold: 0.75,
  iou: 0.3,
  range: [-1, 1],
  session: {},
};

const SIZE = 128;
const LAYERS = [
  { cells: 16, anchors: 2, scores: 'Identity:0', boxes: 'Identity_2:0' },
  { cells: 8, anchors: 6, scores: 'Identity_1:0', boxes: 'Identity_3:0' },
] as const;

function iou(a: FaceDetection, b: FaceDetection): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/**
 * BlazeFace (short range, 128²) on a whole RGB24 frame: letterboxes it (box filter, straight into
 * the reused input tensor), runs the
 * process-wide ONNX session, decodes the anchors and merges overlapping boxes.
 */
export class FaceDetector {
  /** The model it runs (`models/manifest.json`). */
  static readonly model = 'blazeface-front';
  #opts: FaceDetectorOptions;
  #input = new Float32Array(SIZE * SIZE * 3);
  /** The input tensor, a view of `#input` made once (the letterbox is written into it in place). */
  #tensor = new ort.Tensor('float32', this.#input, [1, SIZE, SIZE, 3]);
  #resampler = new SquareResampler();

  constructor(opts: Partial<FaceDetectorOptions> = {}) {
    this.#opts = { ...defaultFaceDetectorOptions, ...opts };
  }

  /** Loads the model (rejects with a `ModelError` when it is missing or corrupt). */
  ready(): Promise<unknown> {
    return onnxSession(FaceDetector.model, this.#opts.session);
  }

  /** Faces in a packed RGB24 frame, most confident first. */
  async detect(rgb: Uint8Array, width: number, height: number): Promise<FaceDetection[]> {
    if (width < 8 || height < 8 || rgb.length < width * height * 3) return [];
    const session = await onnxSession(FaceDetector.model, this.#opts.session);
    // letterbox: the square around the whole frame, box-filtered straight into the tensor
    const square = Math.max(width, height);
    const left = (width - square) / 2;
    const top = (height - square) / 2;
    const scale = SIZE / square;
    const [lo] = this.#opts.range;
    this.#resampler.resample({ data: rgb, width, height }, { left, top, size: square }, this.#input, SIZE, {
      layout: 'hwc',
      range: this.#opts.range,
      fill: lo,
    });
    const out = await session.run({ 'input:0': this.#tensor });
    const toFrame = (px: number, py: number): [number, number] => [left + px / scale, top + py / scale];
    const found: FaceDetection[] = [];
    const t = this.#opts.threshold;
    const minLogit =
      t <= 0 ? Number.NEGATIVE_INFINITY : t >= 1 ? Number.POSITIVE_INFINITY : Math.log(t / (1 - t));
    for (const layer of LAYERS) {
      const scores = out[layer.scores]?.data as Float32Array;
      const boxes = out[layer.boxes]?.data as Float32Array;
      for (let cy = 0, i = 0; cy < layer.cells; cy++) {
        for (let cx = 0; cx < layer.cells; cx++) {
          for (let a = 0; a < layer.anchors; a++, i++) {
            const logit = scores[i] as number;
            if (logit < minLogit) continue; // the sigmoid only for the few candidates
            const score = 1 / (1 + Math.exp(-logit));
            const ax = ((cx + 0.5) / layer.cells) * SIZE;
            const ay = ((cy + 0.5) / layer.cells) * SIZE;
            const b = i * 16;
            const bw = (boxes[b + 2] as number) / scale;
            const bh = (boxes[b + 3] as number) / scale;
            const [centreX, centreY] = toFrame(ax + (boxes[b] as number), ay + (boxes[b + 1] as number));
            const keypoints: [number, number][] = [];
            for (let p = 0; p < 6; p++) {
              keypoints.push(
                toFrame(ax + (boxes[b + 4 + p * 2] as number), ay + (boxes[b + 5 + p * 2] as number)),
              );
            }
            found.push({ score, x: centreX - bw / 2, y: centreY - bh / 2, width: bw, height: bh, keypoints });
          }
        }
      }
    }
    found.sort((p, q) => q.score - p.score);
    const kept: FaceDetection[] = [];
    for (const d of found) if (kept.every((k2) => iou(k2, d) < this.#opts.iou)) kept.push(d);
    return kept;
  }
}

/**
 * Horizontal offset of the nose tip from the midpoint of the eyes, in eye distances: about 0
 * for a frontal face, positive when the face turns towards the image's right, negative towards
 * its left. A coarse head-yaw cue from the detector alone (no landmark model needed).
 */
export function noseOffset(face: FaceDetection): number {
  const [re, le, nose] = face.keypoints as [[number, number], [number, number], [number, number]];
  const dx = le[0] - re[0];
  const dy = le[1] - re[1];
  const dist = Math.hypot(dx, dy) || 1;
  // project onto the eye line so head roll does not read as yaw
  return ((nose[0] - (re[0] + le[0]) / 2) * dx + (nose[1] - (re[1] + le[1]) / 2) * dy) / (dist * dist);
}
