import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { type OnnxSessionOptions, onnxSession } from './onnx-sessions.js';

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
 * BlazeFace (short range, 128²) on a whole RGB24 frame: letterboxes it with sharp, runs the
 * process-wide ONNX session, decodes the anchors and merges overlapping boxes.
 */
export class FaceDetector {
  #opts: FaceDetectorOptions;
  #input = new Float32Array(SIZE * SIZE * 3);

  constructor(opts: Partial<FaceDetectorOptions> = {}) {
    this.#opts = { ...defaultFaceDetectorOptions, ...opts };
  }

  /** Loads the model (rejects with a `ModelError` when it is missing or corrupt). */
  ready(): Promise<unknown> {
    return onnxSession('blazeface-front', this.#opts.session);
  }

  /** Faces in a packed RGB24 frame, most confident first. */
  async detect(rgb: Uint8Array, width: number, height: number): Promise<FaceDetection[]> {
    if (width < 8 || height < 8 || rgb.length < width * height * 3) return [];
    const session = await onnxSession('blazeface-front', this.#opts.session);
    const scale = SIZE / Math.max(width, height);
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const small = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .resize(w, h, { fit: 'fill' })
      .raw()
      .toBuffer();
    const [lo, hi] = this.#opts.range;
    const k = (hi - lo) / 255;
    const input = this.#input;
    input.fill(lo);
    const ox = Math.floor((SIZE - w) / 2);
    const oy = Math.floor((SIZE - h) / 2);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w * 3; x++)
        input[((y + oy) * SIZE + ox) * 3 + x] = (small[y * w * 3 + x] as number) * k + lo;
    }
    const out = await session.run({ 'input:0': new ort.Tensor('float32', input, [1, SIZE, SIZE, 3]) });
    const toFrame = (px: number, py: number): [number, number] => [(px - ox) / scale, (py - oy) / scale];
    const found: FaceDetection[] = [];
    for (const layer of LAYERS) {
      const scores = out[layer.scores]?.data as Float32Array;
      const boxes = out[layer.boxes]?.data as Float32Array;
      for (let cy = 0, i = 0; cy < layer.cells; cy++) {
        for (let cx = 0; cx < layer.cells; cx++) {
          for (let a = 0; a < layer.anchors; a++, i++) {
            const score = 1 / (1 + Math.exp(-(scores[i] as number)));
            if (score < this.#opts.threshold) continue;
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
