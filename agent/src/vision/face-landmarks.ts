import * as ort from 'onnxruntime-node';
import type { FaceDetection } from './face-detector.js';
import { type OnnxSessionOptions, onnxSession } from './onnx-sessions.js';
import { SquareResampler } from './resample.js';
import { resampleRotated, rotatedToFrame } from './resample-rotated.js';

/** One landmark in frame pixels; `z` is relative depth in the same scale (smaller = nearer the camera). */
export type Point3 = [x: number, y: number, z: number];

/** The 468 MediaPipe Face Mesh landmarks of one face. */
export interface FaceLandmarks {
  /** 468 points in frame pixels (MediaPipe Face Mesh topology). */
  points: Point3[];
  /** Probability that the crop holds a face, 0–1 (the model's face flag). */
  presence: number;
  /** The square crop that was analysed, frame pixels (before turning by `angle` radians about its centre, if set). */
  crop: { x: number; y: number; size: number; angle?: number };
}

/** Options of {@link FaceLandmarker}. */
export interface FaceLandmarkerOptions {
  /** The square crop side is this multiple of the larger side of the BlazeFace box. */
  cropScale: number;
  /** A face whose BlazeFace eye line is tilted more than this (degrees) is cropped turned upright. */
  rotateAboveDeg: number;
  session: Partial<OnnxSessionOptions>;
}

export const defaultFaceLandmarkerOptions: FaceLandmarkerOptions = {
  cropScale: 1.5,
  rotateAboveDeg: 20,
  session: {},
};

const SIZE = 192;
const POINTS = 468;

/**
 * MediaPipe Face Mesh (ONNX, 192² input) on a BlazeFace box: crops a square around the box
 * (expanded {@link FaceLandmarkerOptions.cropScale}×, zero-padded where it leaves the frame)
 * straight into the reused input tensor (see {@link SquareResampler}), runs the process-wide session and maps the 468 points back to frame pixels. When the BlazeFace
 * eye line is tilted more than {@link FaceLandmarkerOptions.rotateAboveDeg} (strong head roll, or
 * a rotated camera) the crop is turned upright first (see {@link resampleRotated}).
 */
export class FaceLandmarker {
  /** The model it runs (`models/manifest.json`). */
  static readonly model = 'face-landmark';
  #opts: FaceLandmarkerOptions;
  #input = new Float32Array(3 * SIZE * SIZE);
  /** The input tensor, a view of `#input` made once (the crop is written into it in place). */
  #tensor = new ort.Tensor('float32', this.#input, [1, 3, SIZE, SIZE]);
  #resampler = new SquareResampler();

  constructor(opts: Partial<FaceLandmarkerOptions> = {}) {
    this.#opts = { ...defaultFaceLandmarkerOptions, ...opts };
  }

  /** Loads the model (rejects with a `ModelError` when it is missing or corrupt). */
  ready(): Promise<unknown> {
    return onnxSession(FaceLandmarker.model, this.#opts.session);
  }

  /** Landmarks of the face in `box`, or undefined when the crop is empty. */
  async landmarks(
    rgb: Uint8Array,
    width: number,
    height: number,
    box: Pick<FaceDetection, 'x' | 'y' | 'width' | 'height'> & Partial<Pick<FaceDetection, 'keypoints'>>,
  ): Promise<FaceLandmarks | undefined> {
    if (width < 8 || height < 8 || rgb.length < width * height * 3) return undefined;
    const side = Math.max(box.width, box.height) * this.#opts.cropScale;
    if (!(side >= 4)) return undefined;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const crop = { x: cx - side / 2, y: cy - side / 2, size: side };
    // the square must overlap the frame by at least two pixels each way
    if (Math.min(width, crop.x + side) - Math.max(0, crop.x) < 2) return undefined;
    if (Math.min(height, crop.y + side) - Math.max(0, crop.y) < 2) return undefined;
    // a strongly rolled (or rotated) face is cropped upright, turned by the BlazeFace eye line
    const [re, le] = box.keypoints ?? [];
    const roll = re && le ? Math.atan2(le[1] - re[1], le[0] - re[0]) : 0;
    const turned = Math.abs(roll) > (this.#opts.rotateAboveDeg * Math.PI) / 180;
    const square = { cx, cy, size: side, angle: roll };
    if (turned) resampleRotated({ data: rgb, width, height }, square, this.#input, SIZE);
    else
      this.#resampler.resample(
        { data: rgb, width, height },
        { left: crop.x, top: crop.y, size: side },
        this.#input,
        SIZE,
      );
    const session = await onnxSession(FaceLandmarker.model, this.#opts.session);
    const out = await session.run({ input_1: this.#tensor });
    const raw = out.conv2d_20?.data as Float32Array | undefined;
    const flag = out.conv2d_30?.data as Float32Array | undefined;
    if (!raw || !flag) throw new Error('face-landmark model lacks its conv2d_20 / conv2d_30 outputs');
    const logit = flag[0] as number;
    // crop pixels → frame pixels
    const k = side / SIZE;
    const points: Point3[] = [];
    for (let i = 0; i < POINTS; i++) {
      const px = raw[i * 3] as number;
      const py = raw[i * 3 + 1] as number;
      const pz = raw[i * 3 + 2] as number;
      if (turned) {
        const [x, y] = rotatedToFrame(square, SIZE, px, py);
        points.push([x, y, pz * k]);
      } else points.push([crop.x + px * k, crop.y + py * k, pz * k]);
    }
    return { points, presence: 1 / (1 + Math.exp(-logit)), crop: turned ? { ...crop, angle: roll } : crop };
  }
}
