import type { Point3 } from './face-landmarks.js';

/** Head pose and face-part openness measured from Face Mesh landmarks. */
export interface FaceMeasures {
  /** Degrees; > 0 when the face turns towards the image's right (the subject's left), 0 frontal. */
  yaw: number;
  /** Degrees; > 0 when the head tilts up (chin forward), < 0 down. */
  pitch: number;
  /** Degrees; > 0 when the eye line tilts clockwise in the image. */
  roll: number;
  /** Eye aspect ratio (lid gap / eye width), mean of both eyes: about 0.25–0.35 open, below ~0.15 closed. */
  eyeOpenness: number;
  /** Mouth aspect ratio (inner-lip gap / mouth width): about 0 closed, above ~0.3 wide open. */
  mouthOpenness: number;
}

/** Options of {@link measureFace}. */
export interface FaceMeasureOptions {
  /** Eye aspect ratio below which the eyes count as closed. */
  eyesClosedBelow: number;
  /** Mouth aspect ratio above which the mouth counts as open. */
  mouthOpenAbove: number;
}

export const defaultFaceMeasureOptions: FaceMeasureOptions = {
  eyesClosedBelow: 0.15,
  mouthOpenAbove: 0.3,
};

/** MediaPipe Face Mesh landmark indices (canonical topology). */
export const MESH = {
  forehead: 10,
  chin: 152,
  /** Cheek contour at the subject's right (image left for a frontal face) and left. */
  cheekRight: 234,
  cheekLeft: 454,
  eyeRightOuter: 33,
  eyeRightInner: 133,
  eyeLeftInner: 362,
  eyeLeftOuter: 263,
  /** Upper / lower lid pairs of each eye. */
  eyeRightLids: [
    [160, 144],
    [158, 153],
  ],
  eyeLeftLids: [
    [385, 380],
    [387, 373],
  ],
  mouthRight: 61,
  mouthLeft: 291,
  lipUpperInner: 13,
  lipLowerInner: 14,
} as const;

const DEG = 180 / Math.PI;
const dist = (a: Point3, b: Point3) => Math.hypot(a[0] - b[0], a[1] - b[1]);
const at = (p: Point3[], i: number): Point3 => p[i] ?? [0, 0, 0];

function eyeRatio(p: Point3[], outer: number, inner: number, lids: readonly (readonly [number, number])[]) {
  const width = dist(at(p, outer), at(p, inner)) || 1;
  const gap = lids.reduce((s, [u, l]) => s + dist(at(p, u), at(p, l)), 0) / lids.length;
  return gap / width;
}

/**
 * Head pose and openness from the 468 landmarks (frame pixels with the model's relative depth).
 *
 * Method (geometric, no solvePnP): Face Mesh returns a depth for every point in about the same
 * scale as x/y, so two rigid 3-D axes of the face are read directly. Yaw is the rotation of the
 * cheek-to-cheek vector (234 → 454) about the vertical axis, `atan2(Δz, |Δxy|)`; pitch is that of
 * the forehead-to-chin vector (10 → 152), `atan2(−Δz, |Δxy|)`; roll is the angle of the
 * outer-eye-corner line (33 → 263) in the image plane. Eye and mouth openness are the classic
 * aspect ratios (lid gap over eye width, inner-lip gap over mouth width), which do not depend on
 * the face's size in the frame.
 */
export function measureFace(points: Point3[]): FaceMeasures {
  if (points.length < 468) throw new RangeError('measureFace needs the 468 Face Mesh landmarks');
  const cr = at(points, MESH.cheekRight);
  const cl = at(points, MESH.cheekLeft);
  const fh = at(points, MESH.forehead);
  const ch = at(points, MESH.chin);
  const er = at(points, MESH.eyeRightOuter);
  const el = at(points, MESH.eyeLeftOuter);
  const yaw = Math.atan2(cl[2] - cr[2], Math.hypot(cl[0] - cr[0], cl[1] - cr[1])) * DEG;
  const pitch = Math.atan2(-(ch[2] - fh[2]), Math.hypot(ch[0] - fh[0], ch[1] - fh[1])) * DEG;
  const roll = Math.atan2(el[1] - er[1], el[0] - er[0]) * DEG;
  const eyeOpenness =
    (eyeRatio(points, MESH.eyeRightOuter, MESH.eyeRightInner, MESH.eyeRightLids) +
      eyeRatio(points, MESH.eyeLeftOuter, MESH.eyeLeftInner, MESH.eyeLeftLids)) /
    2;
  const mouthOpenness =
    dist(at(points, MESH.lipUpperInner), at(points, MESH.lipLowerInner)) /
    (dist(at(points, MESH.mouthRight), at(points, MESH.mouthLeft)) || 1);
  return { yaw, pitch, roll, eyeOpenness, mouthOpenness };
}

/** Eyes closed / mouth open verdicts from {@link FaceMeasures}. */
export function faceStates(
  m: FaceMeasures,
  opts: Partial<FaceMeasureOptions> = {},
): { eyesClosed: boolean; mouthOpen: boolean } {
  const o = { ...defaultFaceMeasureOptions, ...opts };
  return { eyesClosed: m.eyeOpenness < o.eyesClosedBelow, mouthOpen: m.mouthOpenness > o.mouthOpenAbove };
}
