import { POSE, type PosePoint } from './pose-landmarks.js';

/** Thresholds of {@link measurePose}. */
export interface PoseMeasureOptions {
  /** A landmark counts as found at or above this visibility (and inside the frame). */
  minVisibility: number;
  /** …and at or above this presence (the model's probability that the point lies in the frame). */
  minPresence: number;
  /** Points closer than this share of the frame's height to its bottom edge are not counted as in view. */
  edgeMargin: number;
  /**
   * A face wider (ear to ear, or 2.2× eye to eye) than this share of the frame's size (the square
   * root of its area, so portrait and landscape frames compare alike) is a close-up: no body in view.
   */
  maxFaceShare: number;
  /** The nose must sit at least this many shoulder widths above the shoulder line for a body to be in view. */
  minHeadHeight: number;
  /** Forearm (elbow to wrist) length, in shoulder widths, that a real arm has. */
  forearm: [number, number];
  /** Upper arm (shoulder to elbow) length, in shoulder widths, that a real arm has (seen from the front). */
  upperArm: [number, number];
  /** A hand point within this many shoulder widths of the nose, eyes, ears, mouth or forehead is "near the face". */
  handNearFace: number;
  /** A wrist this many shoulder widths above its shoulder counts as raised. */
  raisedAbove: number;
}

export const defaultPoseMeasureOptions: PoseMeasureOptions = {
  minVisibility: 0.5,
  minPresence: 0.5,
  edgeMargin: 0.02,
  maxFaceShare: 0.5,
  minHeadHeight: 0.1,
  forearm: [0.3, 1.5],
  upperArm: [0.4, 1.8],
  handNearFace: 0.35,
  raisedAbove: 0.25,
};

/** Geometry of one body in one frame; angles in degrees, lengths in shoulder widths unless named. */
export interface PoseMeasures {
  /**
   * A head-and-shoulders view: nose and both shoulders found (visible, present, inside the frame),
   * the head above the shoulders, and not a close-up of the face. The upper-body measures below
   * are meaningful, and hand measures count only with it.
   */
  upperBody: boolean;
  /** Face width (ear to ear, or 2.2× eye to eye when wider) over the frame's size, √(width × height) (0 without a face). */
  faceShare: number;
  /** The face fills more than `maxFaceShare` of the frame: a close-up, whatever the model guessed below it. */
  closeUp: boolean;
  /** Per side, a hand in view with its own evidence: wrist, a finger point and the elbow found, an arm of real lengths. */
  handInView: { left: boolean; right: boolean };
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
  /** A hand in view (see `handInView`) has a found point (wrist, index, pinky, thumb) near the face or head. */
  handNearFace: boolean;
  /** Smallest distance of a found hand point to a head point, shoulder widths (Infinity when none). */
  handFaceDistance: number;
  /** Which hands in view have the wrist raised above their shoulder and above the elbow (and not at the face). */
  raised: { left: boolean; right: boolean };
  /** Height of the highest found wrist above its shoulder, shoulder widths (−Infinity when none). */
  wristAboveShoulder: number;
}

const HANDS = [
  [POSE.leftWrist, POSE.leftIndex, POSE.leftPinky, POSE.leftThumb],
  [POSE.rightWrist, POSE.rightIndex, POSE.rightPinky, POSE.rightThumb],
] as const;
const ELBOWS = [POSE.leftElbow, POSE.rightElbow] as const;
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
 * landmarks are missing. A landmark counts only when the model says it is both visible and
 * present and it lies inside the frame; the model also guesses points it cannot see (arms below
 * a close-up face, a "wrist" in a beard or scarf), so a hand counts only with its own evidence
 * (wrist, a finger point and the elbow found, forearm and upper arm of real lengths) and only while a
 * head-and-shoulders view (not a close-up face) is in frame. Describes posture only; it never
 * labels a state of mind.
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
      p.presence >= opts.minPresence &&
      p.x >= 0 &&
      p.y >= 0 &&
      p.x < width &&
      p.y < height * (1 - opts.edgeMargin)
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
  const dist = (i: number, j: number) => Math.hypot(pt(i).x - pt(j).x, pt(i).y - pt(j).y);
  const faceW = Math.max(
    found(POSE.leftEar) && found(POSE.rightEar) ? dist(POSE.leftEar, POSE.rightEar) : 0,
    found(POSE.leftEye) && found(POSE.rightEye) ? 2.2 * dist(POSE.leftEye, POSE.rightEye) : 0,
  );
  const faceShare = faceW / Math.sqrt(width * height);
  const closeUp = faceShare > opts.maxFaceShare;
  const headHeight = (midY - nose.y) / sw;
  const upperBody = missing.length === 0 && headHeight >= opts.minHeadHeight && !closeUp;
  // a hand counts with its own evidence: wrist, a finger point and the elbow, an arm of real lengths
  const within = (x: number, [lo, hi]: [number, number]) => x >= lo && x <= hi;
  const inView = (side: 0 | 1) => {
    const [wrist, ...fingers] = HANDS[side];
    const elbow = ELBOWS[side];
    const shoulder = side === 0 ? POSE.leftShoulder : POSE.rightShoulder;
    if (!upperBody || !found(wrist) || !found(elbow) || !fingers.some(found)) return false;
    return within(dist(elbow, wrist) / sw, opts.forearm) && within(dist(shoulder, elbow) / sw, opts.upperArm);
  };
  const handInView = { left: inView(0), right: inView(1) };
  const counted = HANDS.filter((_, side) => handInView[side === 0 ? 'left' : 'right']);
  let handFace = Number.POSITIVE_INFINITY;
  for (const hand of counted) {
    for (const i of hand) {
      if (!found(i)) continue;
      for (const [hx, hy] of head) handFace = Math.min(handFace, Math.hypot(pt(i).x - hx, pt(i).y - hy) / sw);
    }
  }
  const handNearFace = handFace <= opts.handNearFace;
  const above = (side: 0 | 1, shoulder: number) => {
    const wrist = HANDS[side][0];
    return handInView[side === 0 ? 'left' : 'right'] && pt(wrist).y < pt(ELBOWS[side]).y
      ? (pt(shoulder).y - pt(wrist).y) / sw
      : Number.NEGATIVE_INFINITY;
  };
  const left = above(0, POSE.leftShoulder);
  const right = above(1, POSE.rightShoulder);
  const nearFace = (hand: readonly number[]) =>
    hand.some(
      (i) =>
        found(i) && head.some(([hx, hy]) => Math.hypot(pt(i).x - hx, pt(i).y - hy) / sw <= opts.handNearFace),
    );
  return {
    upperBody,
    faceShare,
    closeUp,
    handInView,
    missing,
    shoulderWidthPx: sw,
    shoulderWidthShare: sw / width,
    shoulderTiltDeg: tilt,
    headHeight,
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
