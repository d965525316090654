import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { estimateGaze } from '../../src/vision/face-gaze.js';
import { FacePipeline } from '../../src/vision/face-pipeline.js';
import { faceStates } from '../../src/vision/head-pose.js';
import { type PoseCase, poseFrame } from '../../src/vision/pose-cases.js';
import { PHOTOS } from '../../src/vision/testing.js';
import { type Score, scoreLabelled } from './metrics.js';
import { CAMERA, type Coding, type FrameSize, layerFrame } from './scale.js';

/** Per-frame face conditions a labelled frame is checked for. */
export const FACE_KINDS = [
  'no-face',
  'additional-person',
  'look-away',
  'iris-eye-contact',
  'eyes-closed',
] as const;
export type FaceKind = (typeof FACE_KINDS)[number];

/**
 * How a frame is made: a fixture photo as the pose cases make it, two photos side by side (a second
 * person), or a photo shrunk to `share` of the frame's height on a grey background (a candidate
 * sitting further from the camera).
 */
export type FaceFrame =
  | Omit<PoseCase, 'id' | 'labels' | 'note'>
  | { pair: [string, string] }
  | { far: string; share: number };

/** A labelled frame: per kind, whether the condition holds on it (absent: no label). */
export interface FaceCase {
  id: string;
  frame: FaceFrame;
  labels: Partial<Record<FaceKind, boolean>>;
  note: string;
}

const FRONTAL = {
  'no-face': false,
  'additional-person': false,
  'look-away': false,
  'iris-eye-contact': true,
  'eyes-closed': false,
} as const;
const TURNED = {
  'no-face': false,
  'additional-person': false,
  'look-away': true,
  'iris-eye-contact': false,
  'eyes-closed': false,
} as const;
const EMPTY = {
  'no-face': true,
  'additional-person': false,
  'look-away': false,
  'iris-eye-contact': false,
} as const;

/**
 * Labelled frames from the fixture photos (see the fixtures README: the man and the smiling woman
 * look into the camera, the woman on the clothes rail and the stretching man turn their heads
 * away, no photo shows closed eyes): whole photos, mirrored, tilted and cropped, the frontal man
 * further from the camera, two people side by side, empty frames and the eye close-up. Labels
 * come from what the photos show; no threshold was chosen on them.
 */
export const FACE_CASES: FaceCase[] = [
  {
    id: 'man-whole',
    frame: { photo: 'face-frontal-man.jpg' },
    labels: FRONTAL,
    note: 'frontal, looking into the camera',
  },
  {
    id: 'man-mirrored',
    frame: { photo: 'face-frontal-man.jpg', mirror: true },
    labels: FRONTAL,
    note: 'frontal, mirrored',
  },
  {
    id: 'man-tilted',
    frame: { photo: 'face-frontal-man.jpg', rotate: 15 },
    labels: FRONTAL,
    note: 'frontal, camera tilted 15°',
  },
  {
    id: 'man-face-50',
    frame: { photo: 'face-frontal-man.jpg', crop: [0.25, 0.08, 0.5] },
    labels: FRONTAL,
    note: 'frontal face and collar',
  },
  {
    id: 'man-far-60',
    frame: { far: 'face-frontal-man.jpg', share: 0.6 },
    labels: FRONTAL,
    note: 'frontal, further away (photo at 0.6 of the frame height)',
  },
  {
    id: 'man-far-40',
    frame: { far: 'face-frontal-man.jpg', share: 0.4 },
    labels: FRONTAL,
    note: 'frontal, far away (photo at 0.4 of the frame height)',
  },
  {
    id: 'woman-smile-whole',
    frame: { photo: 'face-frontal-smile-woman.jpg' },
    labels: FRONTAL,
    note: 'frontal close-up, smiling',
  },
  {
    id: 'woman-smile-mirrored',
    frame: { photo: 'face-frontal-smile-woman.jpg', mirror: true },
    labels: FRONTAL,
    note: 'frontal close-up, mirrored',
  },
  {
    id: 'woman-smile-far-50',
    frame: { far: 'face-frontal-smile-woman.jpg', share: 0.5 },
    labels: FRONTAL,
    note: 'frontal, further away (0.5)',
  },
  {
    id: 'woman-turned-whole',
    frame: { photo: 'face-turned-woman.jpg' },
    labels: TURNED,
    note: 'head turned away',
  },
  {
    id: 'woman-turned-mirrored',
    frame: { photo: 'face-turned-woman.jpg', mirror: true },
    labels: TURNED,
    note: 'head turned away, mirrored',
  },
  {
    id: 'woman-turned-face-50',
    frame: { photo: 'face-turned-woman.jpg', crop: [0.15, 0.05, 0.5] },
    labels: TURNED,
    note: 'turned head, closer',
  },
  {
    id: 'woman-turned-far-50',
    frame: { far: 'face-turned-woman.jpg', share: 0.5 },
    labels: TURNED,
    note: 'turned head, further away (0.5)',
  },
  {
    id: 'stretch-head-40',
    frame: { photo: 'pose-stretch-man.jpg', crop: [0.4, 0, 0.4] },
    labels: TURNED,
    note: 'head in profile, beard and cap',
  },
  {
    id: 'two-frontal',
    frame: { pair: ['face-frontal-man.jpg', 'face-frontal-smile-woman.jpg'] },
    labels: { 'no-face': false, 'additional-person': true },
    note: 'two people side by side',
  },
  {
    id: 'two-turned',
    frame: { pair: ['face-turned-woman.jpg', 'face-frontal-man.jpg'] },
    labels: { 'no-face': false, 'additional-person': true },
    note: 'a turned and a frontal person',
  },
  { id: 'black', frame: { photo: null, fill: 0 }, labels: EMPTY, note: 'black frame' },
  { id: 'dark', frame: { photo: null, fill: 30 }, labels: EMPTY, note: 'dark empty frame' },
  { id: 'grey', frame: { photo: null, fill: 128 }, labels: EMPTY, note: 'grey frame' },
  { id: 'eye-closeup', frame: { photo: 'eye-closeup.jpg' }, labels: EMPTY, note: 'one eye, no whole face' },
];

async function raw(img: Sharp): Promise<Uint8Array> {
  const { data } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/** A case's frame as packed RGB24 at the camera's 640×480. */
export async function faceFrame(c: FaceCase): Promise<Uint8Array> {
  const { width, height } = CAMERA;
  const f = c.frame;
  if ('pair' in f) {
    const half = Math.floor(width / 2);
    const part = (name: string) =>
      sharp(join(PHOTOS, name)).resize(half, height, { fit: 'cover' }).removeAlpha().png().toBuffer();
    const [left, right] = await Promise.all(f.pair.map(part));
    return raw(
      sharp({ create: { width, height, channels: 3, background: '#000' } }).composite([
        { input: left as Buffer, left: 0, top: 0 },
        { input: right as Buffer, left: half, top: 0 },
      ]),
    );
  }
  if ('far' in f) {
    const side = Math.round(height * f.share);
    const small = await sharp(join(PHOTOS, f.far)).resize(side, side, { fit: 'cover' }).png().toBuffer();
    const bg = { r: 128, g: 128, b: 128 };
    const png = await sharp({ create: { width, height, channels: 3, background: bg } })
      .composite([{ input: small, left: Math.round((width - side) / 2), top: height - side }])
      .png()
      .toBuffer();
    return raw(sharp(png));
  }
  return poseFrame({ id: c.id, labels: {}, note: c.note, ...f }, width, height);
}

/** What the face pipeline read on one frame at one size: the per-kind verdicts and the measures behind them. */
export interface FaceReading {
  verdict: Record<FaceKind, boolean>;
  faces: number;
  score: number | null;
  yaw: number | null;
  pitch: number | null;
  roll: number | null;
  gazeYaw: number | null;
  gazeSource: 'iris' | 'head' | null;
  irisX: number | null;
  eyeOpenness: number | null;
}

const r2 = (x: number | undefined) => (x === undefined ? null : Number(x.toFixed(2)));

/**
 * Runs the face pipeline once on the case's frame shrunk to `size` (and VP8-coded with `coding: 'vp8'`), and reads the conditions as
 * the face analyser's episodes do on each frame (`look-away`: one face and no eye contact, from
 * the irises on a frontal face and head pose otherwise; `eyes-closed`: openness below 0.15).
 */
export async function faceReading(
  pipeline: FacePipeline,
  frame: Uint8Array,
  size: FrameSize,
  coding: Coding = 'shrink',
): Promise<FaceReading> {
  const data = layerFrame(frame, size, coding);
  const obs = await pipeline.run({ data, width: size.width, height: size.height });
  const gaze = obs.pose ? estimateGaze(obs.pose, obs.iris) : undefined;
  const one = obs.faces.length === 1;
  return {
    verdict: {
      'no-face': obs.faces.length === 0,
      'additional-person': obs.faces.length > 1,
      'look-away': one && (gaze ? !gaze.eyeContact : Math.abs(obs.noseOffset) > 0.25),
      'iris-eye-contact': gaze?.source === 'iris' && gaze.eyeContact,
      'eyes-closed': obs.pose !== undefined && faceStates(obs.pose).eyesClosed,
    },
    faces: obs.faces.length,
    score: r2(obs.faces[0]?.score),
    yaw: r2(obs.pose?.yaw),
    pitch: r2(obs.pose?.pitch),
    roll: r2(obs.pose?.roll),
    gazeYaw: r2(gaze?.yawDeg),
    gazeSource: gaze?.source ?? null,
    irisX: r2(gaze?.irisX),
    eyeOpenness: r2(obs.pose?.eyeOpenness),
  };
}

/** Precision and recall per kind over the labelled cases, with the cases each kind gets wrong. */
export function scoreFace(
  rows: { c: FaceCase; verdict: Record<FaceKind, boolean> }[],
): Record<FaceKind, Score & { wrongOn: string[] }> {
  const scores = scoreLabelled(FACE_KINDS, rows);
  return Object.fromEntries(
    FACE_KINDS.map((k) => {
      const { wrong, ...s } = scores[k];
      return [k, { ...s, wrongOn: wrong }];
    }),
  ) as Record<FaceKind, Score & { wrongOn: string[] }>;
}

/** Every face case read at each size (the first is the reference). */
export async function faceBench(sizes: FrameSize[], coding: Coding = 'shrink') {
  const pipeline = new FacePipeline();
  await pipeline.ready();
  const readings: { c: FaceCase; bySize: FaceReading[] }[] = [];
  for (const c of FACE_CASES) {
    const frame = await faceFrame(c);
    const bySize: FaceReading[] = [];
    for (const s of sizes) bySize.push(await faceReading(pipeline, frame, s, coding));
    readings.push({ c, bySize });
  }
  return readings;
}
