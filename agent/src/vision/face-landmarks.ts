import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { FaceDetection } from './face-detector.js';
import { type OnnxSessionOptions, onnxSession } from './onnx-sessions.js';

/** One landmark in frame pixels; `z` is relative depth in the same scale (smaller = nearer the camera). */
export type Point3 = [x: number, y: number, z: number];

/** The 468 MediaPipe Face Mesh landmarks of one face. */
export interface FaceLandmarks {
  /** 468 points in frame pixels (MediaPipe Face Mesh topology). */
  points: Point3[];
  /** Probability that the crop holds a face, 0–1 (the model's face flag). */
  presence: number;
  /** The square crop that was analysed, frame pixels. */
  crop: { x: number; y: number; size: number };
}

/** Options of {@link FaceLandmarker}. */
export interface FaceLandmarkerOptions {
  /** The square crop side is this multiple of the larger side of the BlazeFace box. */
  cropScale: number;
  session: Partial<OnnxSessionOptions>;
}

export const defaultFaceLandmarkerOptions: FaceLandmarkerOptions = {
  cropScale: 1.5,
  session: {},
};

const SIZE = 192;
const POINTS = 468;

/**
 * MediaPipe Face Mesh (ONNX, 192² input) on a BlazeFace box: crops a square around the box
 * (expanded {@link FaceLandmarkerOptions.cropScale}×, zero-padded where it leaves the frame) with
 * sharp, runs the process-wide session and maps the 468 points back to frame pixels. The crop is
 * not rotated, so strong head roll (beyond about ±30°) lowers accuracy.
 */
export class FaceLandmarker {
  #opts: FaceLandmarkerOptions;
  #input = new Float32Array(3 * SIZE * SIZE);

  constructor(opts: Partial<FaceLandmarkerOptions> = {}) {
    this.#opts = { ...defaultFaceLandmarkerOptions, ...opts };
  }

  /** Loads the model (rejects with a `ModelError` when it is missing or corrupt). */
  ready(): Promise<unknown> {
    return onnxSession('face-landmark', this.#opts.session);
  }

  /** Landmarks of the face in `box`, or undefined when the crop is empty. */
  async landmarks(
    rgb: Uint8Array,
    width: number,
    height: number,
    box: Pick<FaceDetection, 'x' | 'y' | 'width' | 'height'>,
  ): Promise<FaceLandmarks | undefined> {
    if (width < 8 || height < 8 || rgb.length < width * height * 3) return undefined;
    const side = Math.max(box.width, box.height) * this.#opts.cropScale;
    if (!(side >= 4)) return undefined;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const crop = { x: cx - side / 2, y: cy - side / 2, size: side };
    // part of the square inside the frame, in whole pixels
    const left = Math.max(0, Math.floor(crop.x));
    const top = Math.max(0, Math.floor(crop.y));
    const right = Math.min(width, Math.ceil(crop.x + side));
    const bottom = Math.min(height, Math.ceil(crop.y + side));
    if (right - left < 2 || bottom - top < 2) return undefined;
    const scale = SIZE / side;
    const ox = Math.max(0, Math.min(SIZE - 1, Math.round((left - crop.x) * scale)));
    const oy = Math.max(0, Math.min(SIZE - 1, Math.round((top - crop.y) * scale)));
    const w = Math.max(1, Math.min(SIZE - ox, Math.round((right - left) * scale)));
    const h = Math.max(1, Math.min(SIZE - oy, Math.round((bottom - top) * scale)));
    const small = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .extract({ left, top, width: right - left, height: bottom - top })
      .resize(w, h, { fit: 'fill' })
      .raw()
      .toBuffer();
    const input = this.#input;
    input.fill(0);
    const plane = SIZE * SIZE;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = (y * w + x) * 3;
        const d = (y + oy) * SIZE + x + ox;
        input[d] = (small[s] as number) / 255;
        input[d + plane] = (small[s + 1] as number) / 255;
        input[d + 2 * plane] = (small[s + 2] as number) / 255;
      }
    }
    const session = await onnxSession('face-landmark', this.#opts.session);
    const out = await session.run({ input_1: new ort.Tensor('float32', input, [1, 3, SIZE, SIZE]) });
    const raw = out.conv2d_20?.data as Float32Array | undefined;
    const flag = out.conv2d_30?.data as Float32Array | undefined;
    if (!raw || !flag) throw new Error('face-landmark model lacks its conv2d_20 / conv2d_30 outputs');
    const logit = flag[0] as number;
    // crop pixels → frame pixels: the sharp region starts at (left, top) and sits at (ox, oy)
    const kx = (right - left) / w;
    const ky = (bottom - top) / h;
    const points: Point3[] = [];
    for (let i = 0; i < POINTS; i++) {
      const px = raw[i * 3] as number;
      const py = raw[i * 3 + 1] as number;
      const pz = raw[i * 3 + 2] as number;
      points.push([left + (px - ox) * kx, top + (py - oy) * ky, pz * kx]);
    }
    return { points, presence: 1 / (1 + Math.exp(-logit)), crop };
  }
}
