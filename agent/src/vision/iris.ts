import * as ort from 'onnxruntime-node';
import type { Point3 } from './face-landmarks.js';
import { MESH } from './head-pose.js';
import { type OnnxSessionOptions, onnxSession } from './onnx-sessions.js';
import { SquareResampler } from './resample.js';

/** Where the iris sits in one eye. */
export interface IrisPosition {
  /** Iris centre, frame pixels. */
  centre: [number, number];
  /**
   * Iris centre minus the eye-corner midpoint, in half eye widths, along the eye-corner axis (x > 0
   * towards the image's right for an upright face) and across it (y > 0 down).
   */
  offset: [number, number];
}

/** Eye-in-head gaze of both eyes. */
export interface IrisGaze {
  right: IrisPosition;
  left: IrisPosition;
  /** Mean horizontal offset of both irises (half eye widths; ±0.1 about straight, ±0.3 a clear sideways look). */
  x: number;
  /** Mean vertical offset. */
  y: number;
}

/** Options of {@link IrisLandmarker}. */
export interface IrisLandmarkerOptions {
  /** Square eye-crop side as a multiple of the eye-corner distance. */
  cropScale: number;
  session: Partial<OnnxSessionOptions>;
}

export const defaultIrisLandmarkerOptions: IrisLandmarkerOptions = {
  cropScale: 2.3,
  session: {},
};

const SIZE = 64;

/**
 * MediaPipe Iris (ONNX, 64² input, RGB in [0,1]) on eye crops placed by Face Mesh eye corners.
 * Like MediaPipe, the subject's left eye is mirrored before inference. The result is eye-in-head
 * gaze (iris against the eye corners); combine it with head yaw/pitch for direction of gaze.
 */
export class IrisLandmarker {
  /** The model it runs (`models/manifest.json`). */
  static readonly model = 'iris-landmark';
  #opts: IrisLandmarkerOptions;
  #input = new Float32Array(3 * SIZE * SIZE);
  /** The input tensor, a view of `#input` made once (the crop is written into it in place). */
  #tensor = new ort.Tensor('float32', this.#input, [1, 3, SIZE, SIZE]);
  #resampler = new SquareResampler();

  constructor(opts: Partial<IrisLandmarkerOptions> = {}) {
    this.#opts = { ...defaultIrisLandmarkerOptions, ...opts };
  }

  /** Loads the model (rejects with a `ModelError` when it is missing or corrupt). */
  ready(): Promise<unknown> {
    return onnxSession(IrisLandmarker.model, this.#opts.session);
  }

  /** Iris of the eye between `a` and `b` (corners, frame pixels), or undefined when the crop leaves the frame. */
  async eye(
    rgb: Uint8Array,
    width: number,
    height: number,
    a: [number, number],
    b: [number, number],
    mirror = false,
  ): Promise<IrisPosition | undefined> {
    if (width < 8 || height < 8 || rgb.length < width * height * 3) return undefined;
    const eyeWidth = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const side = Math.round(eyeWidth * this.#opts.cropScale);
    const cx = (a[0] + b[0]) / 2;
    const cy = (a[1] + b[1]) / 2;
    const left = Math.round(cx - side / 2);
    const top = Math.round(cy - side / 2);
    if (side < 4 || left < 0 || top < 0 || left + side > width || top + side > height) return undefined;
    this.#resampler.resample({ data: rgb, width, height }, { left, top, size: side }, this.#input, SIZE, {
      mirror,
    });
    const session = await onnxSession(IrisLandmarker.model, this.#opts.session);
    const out = await session.run({ input_1: this.#tensor });
    const iris = out.output_iris?.data as Float32Array | undefined;
    if (!iris) throw new Error('iris-landmark model lacks its output_iris output');
    const k = side / SIZE;
    const ix = iris[0] as number;
    const centre: [number, number] = [left + (mirror ? SIZE - ix : ix) * k, top + (iris[1] as number) * k];
    // offset along the eye-corner axis (a → b) and across it, so a slight head roll does not read as gaze
    const half = eyeWidth / 2 || 1;
    const ux = (b[0] - a[0]) / (eyeWidth || 1);
    const uy = (b[1] - a[1]) / (eyeWidth || 1);
    const dx = centre[0] - cx;
    const dy = centre[1] - cy;
    return { centre, offset: [(dx * ux + dy * uy) / half, (dy * ux - dx * uy) / half] };
  }

  /** Both irises from the Face Mesh landmarks of one face (undefined when an eye is out of frame). */
  async gaze(
    rgb: Uint8Array,
    width: number,
    height: number,
    points: Point3[],
  ): Promise<IrisGaze | undefined> {
    const xy = (i: number): [number, number] => [points[i]?.[0] ?? 0, points[i]?.[1] ?? 0];
    const right = await this.eye(rgb, width, height, xy(MESH.eyeRightOuter), xy(MESH.eyeRightInner));
    const left = await this.eye(rgb, width, height, xy(MESH.eyeLeftInner), xy(MESH.eyeLeftOuter), true);
    if (!right || !left) return undefined;
    return {
      right,
      left,
      x: (right.offset[0] + left.offset[0]) / 2,
      y: (right.offset[1] + left.offset[1]) / 2,
    };
  }
}
