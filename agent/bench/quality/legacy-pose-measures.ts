import { POSE, type PosePoint } from '../../src/vision/pose-landmarks.js';

/** Thresholds of {@link measurePose}. */
export interface PoseMeasureOptions {
  /** A landmark counts as found at or above this visibility (and inside the frame). */
  minVisibility: number;
  /** A hand point within this many shoulder widths of the nose, eyes, ears, mouth or forehead is "near the face". */
  handNearFace: number;
  /** A wrist this many shoulder widths above its shoulder counts as raised. */
  raisedAbove: number;
}

export const defaultPoseMeasureOptions: PoseMeasureOptions = {
  minVisibility: 0.5,
  handNearFace: 0.35,
  raisedAbove: 0.25,
};

/** Geometry of one body in one frame; angles in degrees, lengths in shoulder widths unless named. */
export interface PoseMeasures {
  /** Nose and both shoulders found: the upper-body measures below are meaningful. */
  upperBody: boolean;
  /** Key landmarks (nose, shoulders) that are not found, by name. */
  missing: string[];
  /** Shoulder width in frame pixels. */
  shoulderWidthPx: number;
  /** Shoulder width / frame width (grows when the person moves closer). */
  shoulderWidthShare: number;
  /** Angle of the shoulder line, degrees; positive when the image-right shoulder is lower. */
  shoulderTiltDeg: number;
  /** Height of the nose above the shoulder midpoint, in shoulder widths (drops when slouching or leaning in). */
  headHeight: number;
  /** Horizontal offset of the nose from the shoulder midpoint, in shoulder widths (positive = image right). */
  headOffset: number;
  /** A found hand point (wrist, index, pinky, thumb) is near the face or head. */
  handNearFace: boolean;
  /** Smallest distance of a found hand point to a head point, shoulder widths (Infinity when none). */
  handFaceDistance: number;
  /** Which wrists are raised above their shoulder (and not at the face). */
  raised: { left: boolean; right: boolean };
  /** Height of the highest found wrist above its shoulder, shoulder widths (−Infinity when none). */
  wristAboveShoulder: number;
}

const HANDS = [
  [POSE.leftWrist, POSE.leftIndex, POSE.leftPinky, POSE.leftThumb],
  [POSE.rightWrist, POSE.rightIndex, POSE.rightPinky, POSE.rightThumb],
] as const;
const HEAD = [
  POSE.nose,
  POSE.leftEye,
  POSE.rightEye,
  POSE.leftEar,
  POSE.rightEar,
  POSE.mouthLeft,
  POSE.mouthRight,
];

/**
 * Pure geometry of 33 MediaPipe landmarks (frame pixels) in a `width`×`height` frame: shoulder
 * tilt, head height and offset over the shoulders, hand near the face, raised hands and which key
 * landmarks are missing. Describes posture only; it never labels a state of mind.
 */
export function measurePose(
  points: PosePoint[],
  width: number,
  height: number,
  opts: PoseMeasureOptions = defaultPoseMeasureOptions,
): PoseMeasures {
  const found = (i: number) => {
    const p = points[i];
    return (
      p !== undefined &&
      p.visibility >= opts.minVisibility &&
      p.x >= 0 &&
      p.y >= 0 &&
      p.x < width &&
      p.y < height
    );
  };
  const pt = (i: number) => points[i] as PosePoint;
  const missing = (['nose', 'leftShoulder', 'rightShoulder'] as const).filter((k) => !found(POSE[k]));
  const ls = pt(POSE.leftShoulder);
  const rs = pt(POSE.rightShoulder);
  const nose = pt(POSE.nose);
  const sw = Math.hypot(ls.x - rs.x, ls.y - rs.y) || 1;
  const [a, b] = ls.x <= rs.x ? [ls, rs] : [rs, ls];
  const tilt = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
  const midX = (ls.x + rs.x) / 2;
  const midY = (ls.y + rs.y) / 2;
  // head points plus a forehead estimate (the eye midpoint pushed away from the mouth)
  const head = HEAD.filter(found).map((i) => [pt(i).x, pt(i).y] as const);
  if (found(POSE.leftEye) && found(POSE.rightEye) && found(POSE.mouthLeft) && found(POSE.mouthRight)) {
    const ex = (pt(POSE.leftEye).x + pt(POSE.rightEye).x) / 2;
    const ey = (pt(POSE.leftEye).y + pt(POSE.rightEye).y) / 2;
    const mx = (pt(POSE.mouthLeft).x + pt(POSE.mouthRight).x) / 2;
    const my = (pt(POSE.mouthLeft).y + pt(POSE.mouthRight).y) / 2;
    head.push([ex + (ex - mx) * 1.5, ey + (ey - my) * 1.5]);
  }
  let handFace = Number.POSITIVE_INFINITY;
  for (const hand of HANDS) {
    for (const i of hand) {
      if (!found(i)) continue;
      for (const [hx, hy] of head) handFace = Math.min(handFace, Math.hypot(pt(i).x - hx, pt(i).y - hy) / sw);
    }
  }
  const handNearFace = handFace <= opts.handNearFace;
  const above = (wrist: number, shoulder: number) =>
    found(wrist) && found(shoulder) ? (pt(shoulder).y - pt(wrist).y) / sw : Number.NEGATIVE_INFINITY;
  const left = above(POSE.leftWrist, POSE.leftShoulder);
  const right = above(POSE.rightWrist, POSE.rightShoulder);
  const nearFace = (hand: readonly number[]) =>
    hand.some(
      (i) =>
        found(i) && head.some(([hx, hy]) => Math.hypot(pt(i).x - hx, pt(i).y - hy) / sw <= opts.handNearFace),
    );
  return {
    upperBody: missing.length === 0,
    missing,
    shoulderWidthPx: sw,
    shoulderWidthShare: sw / width,
    shoulderTiltDeg: tilt,
    headHeight: (midY - nose.y) / sw,
    headOffset: (nose.x - midX) / sw,
    handNearFace,
    handFaceDistance: handFace,
    raised: {
      left: left >= opts.raisedAbove && !nearFace(HANDS[0]),
      right: right >= opts.raisedAbove && !nearFace(HANDS[1]),
    },
    wristAboveShoulder: Math.max(left, right),
  };
}
