import type { TensorLayout } from './resample.js';
import { type RotatedSquare, resampleRotated, rotatedToFrame } from './resample-rotated.js';

/** A square, rotated region of interest in frame pixels (MediaPipe's normalised rect, in pixels). */
export interface PoseRoi {
  /** Centre, frame pixels. */
  cx: number;
  cy: number;
  /** Side of the square, frame pixels. */
  size: number;
  /** Radians; positive turns the crop's "up" towards the image's right. */
  rotation: number;
}

/** The square covering the whole frame (the frame letterboxed, unrotated). */
export function wholeFrameRoi(width: number, height: number): PoseRoi {
  return { cx: width / 2, cy: height / 2, size: Math.max(width, height), rotation: 0 };
}

/**
 * The ROI MediaPipe derives from a body's two alignment points (hip centre, and the point
 * giving the body's size and direction): centred on the hips, side 2 × their distance, turned
 * so the body points up, then enlarged `scale`× (MediaPipe uses 1.25).
 */
export function roiFromAlignment(hip: [number, number], top: [number, number], scale = 1.25): PoseRoi {
  const dx = top[0] - hip[0];
  const dy = top[1] - hip[1];
  let rotation = Math.PI / 2 - Math.atan2(-dy, dx);
  rotation -= 2 * Math.PI * Math.floor((rotation + Math.PI) / (2 * Math.PI));
  return { cx: hip[0], cy: hip[1], size: 2 * Math.hypot(dx, dy) * scale, rotation };
}

const square = (roi: PoseRoi): RotatedSquare => ({
  cx: roi.cx,
  cy: roi.cy,
  size: roi.size,
  angle: roi.rotation,
});

/** Maps a point of the `side`² crop of `roi` to frame pixels. */
export function cropToFrame(roi: PoseRoi, side: number, u: number, v: number): [number, number] {
  return rotatedToFrame(square(roi), side, u, v);
}

/**
 * Fills `out` (NHWC float32, `side`² × 3, values `pixel / 255`) with the rotated square `roi` of a
 * packed RGB24 image, bilinear, zero outside the image (see {@link resampleRotated}; no allocation
 * beyond the region object).
 */
export function cropRotated(
  rgb: Uint8Array,
  width: number,
  height: number,
  roi: PoseRoi,
  side: number,
  out: Float32Array,
): void {
  resampleRotated({ data: rgb, width, height }, square(roi), out, side, POSE_TENSOR);
}

const POSE_TENSOR: TensorLayout = { layout: 'hwc', range: [0, 1], fill: 0, mirror: false };
