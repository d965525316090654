import type { FaceMeasures } from './head-pose.js';
import type { IrisGaze } from './iris.js';

/** Options of {@link estimateGaze}. */
export interface GazeOptions {
  /** Iris offsets are used only while |head yaw| is at most this (degrees); beyond it head pose decides. */
  irisYawLimitDeg: number;
  /** Iris offsets are used only when both eyes agree within this many half eye widths. */
  maxEyeDisagreement: number;
  /**
   * Eye-opening half width over eyeball radius (about 15 mm / 12 mm): an iris offset of `x` half
   * widths is an eye rotation of `asin(x × ratio)`.
   */
  halfWidthOverRadius: number;
  /** |gaze yaw| (head yaw plus eye rotation) above which the candidate is not looking at the camera. */
  awayYawDeg: number;
  /** |head yaw| above which the head alone counts as turned away (used when the iris is not). */
  turnedYawDeg: number;
  /** |head pitch| above which the head counts as turned away (far up or down). */
  turnedPitchDeg: number;
}

export const defaultGazeOptions: GazeOptions = {
  irisYawLimitDeg: 20,
  maxEyeDisagreement: 0.3,
  halfWidthOverRadius: 1.25,
  awayYawDeg: 20,
  turnedYawDeg: 25,
  turnedPitchDeg: 30,
};

/** Where the candidate looks, from head pose and (when it can be trusted) the irises. */
export interface GazeEstimate {
  /** `iris`: head yaw plus the eyes' rotation; `head`: head pose alone (turned face, disagreeing or missing irises). */
  source: 'iris' | 'head';
  /** Horizontal gaze angle in degrees, same sign as head yaw (> 0 towards the image's right). */
  yawDeg: number;
  /** Head pitch in degrees (the iris' vertical offset is not used: lids bias it). */
  pitchDeg: number;
  /** Looking at (or very near) the camera. */
  eyeContact: boolean;
  /** Mean horizontal iris offset used, in half eye widths (only with `source: 'iris'`). */
  irisX?: number;
}

const DEG = 180 / Math.PI;

/** Eye rotation in degrees for a horizontal iris offset of `x` half eye widths. */
export function eyeRotationDeg(
  x: number,
  halfWidthOverRadius = defaultGazeOptions.halfWidthOverRadius,
): number {
  return Math.asin(Math.max(-1, Math.min(1, x * halfWidthOverRadius))) * DEG;
}

/**
 * Eye contact from head pose and iris position, handling the two-eye disagreement honestly.
 *
 * On a frontal face (|yaw| ≤ `irisYawLimitDeg`) both irises are seen well and agree, so the gaze
 * is the head yaw plus the mean eye rotation. On a turned face the far eye is foreshortened and
 * the two eyes disagree (measured: +0.33 vs −0.31 half widths on the turned fixture photo), so
 * the head pose decides, as it also does when the eyes disagree or the iris model is missing.
 * `scale` (≤ 1) tightens every threshold while an episode is running, for hysteresis.
 */
export function estimateGaze(
  pose: FaceMeasures,
  iris: IrisGaze | undefined,
  opts: Partial<GazeOptions> = {},
  scale = 1,
): GazeEstimate {
  const o = { ...defaultGazeOptions, ...opts };
  const pitchAway = Math.abs(pose.pitch) > o.turnedPitchDeg * scale;
  const usable =
    iris !== undefined &&
    Math.abs(pose.yaw) <= o.irisYawLimitDeg &&
    Math.abs(iris.right.offset[0] - iris.left.offset[0]) <= o.maxEyeDisagreement;
  if (usable) {
    const yawDeg = pose.yaw + eyeRotationDeg(iris.x, o.halfWidthOverRadius);
    return {
      source: 'iris',
      yawDeg,
      pitchDeg: pose.pitch,
      eyeContact: !pitchAway && Math.abs(yawDeg) <= o.awayYawDeg * scale,
      irisX: iris.x,
    };
  }
  return {
    source: 'head',
    yawDeg: pose.yaw,
    pitchDeg: pose.pitch,
    eyeContact: !pitchAway && Math.abs(pose.yaw) <= o.turnedYawDeg * scale,
  };
}
