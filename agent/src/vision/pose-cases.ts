import { join } from 'node:path';
import sharp from 'sharp';
import { PHOTOS } from './testing.js';

/** The pose episode kinds a frame is labelled for. */
export const POSE_KINDS = ['hand-to-face', 'raised-hand', 'out-of-frame'] as const;
export type PoseKind = (typeof POSE_KINDS)[number];

/** A labelled camera frame: per kind, whether the episode should fire on it (absent: no label). */
export interface PoseCase {
  id: string;
  /** Photo, or null for a uniform frame of `fill`. */
  photo: string | null;
  /** Square crop of the photo: left, top, side (shares of the photo's size); the frame is 4:3 from it. */
  crop?: [number, number, number];
  mirror?: boolean;
  /** Degrees clockwise (a tilted camera), applied before the crop. */
  rotate?: number;
  fill?: number;
  labels: Partial<Record<PoseKind, boolean>>;
  /** What is in view, for the report. */
  note: string;
}

const NONE = { 'hand-to-face': false, 'raised-hand': false } as const;
const CLOSE_UP = { ...NONE, 'out-of-frame': true } as const;

/**
 * Labelled frames from the fixture photos (see the fixtures README): whole photos, close-up crops
 * of faces at several scales (a turned head, a beard and a high collar near the face), crops that
 * cut the body at the chest or the shoulders, mirrored and tilted views, and empty frames. No
 * fixture photo shows a hand at the face, so hand-to-face is measured on negatives only (its
 * false alarms). Two disjoint sets: `tuning` for choosing thresholds, `heldOut` for measuring.
 */
export const POSE_CASES: Record<'tuning' | 'heldOut', PoseCase[]> = {
  tuning: [
    {
      id: 'man-whole',
      photo: 'face-frontal-man.jpg',
      labels: { ...NONE, 'out-of-frame': false },
      note: 'head and shoulders, hands out of view',
    },
    {
      id: 'man-face-50',
      photo: 'face-frontal-man.jpg',
      crop: [0.25, 0.08, 0.5],
      labels: NONE,
      note: 'face and collar, shoulders cut',
    },
    {
      id: 'man-face-35',
      photo: 'face-frontal-man.jpg',
      crop: [0.32, 0.12, 0.36],
      labels: CLOSE_UP,
      note: 'close-up face',
    },
    {
      id: 'woman-smile-whole',
      photo: 'face-frontal-smile-woman.jpg',
      labels: CLOSE_UP,
      note: 'close-up face',
    },
    {
      id: 'woman-smile-60',
      photo: 'face-frontal-smile-woman.jpg',
      crop: [0.2, 0.1, 0.6],
      labels: CLOSE_UP,
      note: 'closer face',
    },
    {
      id: 'woman-turned-whole',
      photo: 'face-turned-woman.jpg',
      labels: { ...NONE, 'out-of-frame': false },
      note: 'turned head, hands at the chest',
    },
    {
      id: 'woman-turned-face-50',
      photo: 'face-turned-woman.jpg',
      crop: [0.15, 0.05, 0.5],
      labels: NONE,
      note: 'turned head, shoulders cut',
    },
    {
      id: 'stretch-whole',
      photo: 'pose-stretch-man.jpg',
      labels: { 'hand-to-face': false, 'raised-hand': true, 'out-of-frame': false },
      note: 'arm raised to a tree',
    },
    {
      id: 'stretch-head-40',
      photo: 'pose-stretch-man.jpg',
      crop: [0.4, 0, 0.4],
      labels: NONE,
      note: 'turned head, beard and collar, no hands',
    },
    {
      id: 'stretch-head-30',
      photo: 'pose-stretch-man.jpg',
      crop: [0.45, 0.02, 0.3],
      labels: CLOSE_UP,
      note: 'close-up turned head, beard',
    },
    { id: 'black', photo: null, fill: 0, labels: CLOSE_UP, note: 'black frame' },
  ],
  heldOut: [
    {
      id: 'man-whole-mirrored',
      photo: 'face-frontal-man.jpg',
      mirror: true,
      labels: { ...NONE, 'out-of-frame': false },
      note: 'head and shoulders, mirrored',
    },
    {
      id: 'man-chest-70',
      photo: 'face-frontal-man.jpg',
      crop: [0.15, 0, 0.7],
      labels: NONE,
      note: 'cut at the chest',
    },
    {
      id: 'man-face-42',
      photo: 'face-frontal-man.jpg',
      crop: [0.29, 0.1, 0.42],
      mirror: true,
      labels: NONE,
      note: 'face, mirrored',
    },
    {
      id: 'man-face-28',
      photo: 'face-frontal-man.jpg',
      crop: [0.36, 0.16, 0.28],
      labels: CLOSE_UP,
      note: 'tight close-up',
    },
    { id: 'man-tilted', photo: 'face-frontal-man.jpg', rotate: 15, labels: NONE, note: 'tilted camera' },
    {
      id: 'woman-smile-80',
      photo: 'face-frontal-smile-woman.jpg',
      crop: [0.1, 0.05, 0.8],
      mirror: true,
      labels: CLOSE_UP,
      note: 'close-up face, mirrored',
    },
    {
      id: 'woman-smile-45',
      photo: 'face-frontal-smile-woman.jpg',
      crop: [0.27, 0.15, 0.45],
      labels: CLOSE_UP,
      note: 'eyes to chin',
    },
    {
      id: 'woman-turned-mirrored',
      photo: 'face-turned-woman.jpg',
      mirror: true,
      labels: { ...NONE, 'out-of-frame': false },
      note: 'turned head, hands at the chest, mirrored',
    },
    {
      id: 'woman-turned-70',
      photo: 'face-turned-woman.jpg',
      crop: [0.05, 0, 0.7],
      labels: NONE,
      note: 'cut at the chest',
    },
    {
      id: 'woman-turned-face-35',
      photo: 'face-turned-woman.jpg',
      crop: [0.22, 0.12, 0.35],
      labels: CLOSE_UP,
      note: 'close-up turned head',
    },
    {
      id: 'stretch-mirrored',
      photo: 'pose-stretch-man.jpg',
      mirror: true,
      labels: { 'hand-to-face': false, 'raised-hand': true, 'out-of-frame': false },
      note: 'arm raised, mirrored',
    },
    {
      id: 'stretch-upper-75',
      photo: 'pose-stretch-man.jpg',
      crop: [0, 0, 0.75],
      labels: { 'hand-to-face': false, 'raised-hand': true },
      note: 'upper body, arm raised',
    },
    {
      id: 'stretch-head-35',
      photo: 'pose-stretch-man.jpg',
      crop: [0.42, 0, 0.35],
      mirror: true,
      labels: NONE,
      note: 'turned head, beard and collar, mirrored',
    },
    {
      id: 'stretch-head-50',
      photo: 'pose-stretch-man.jpg',
      crop: [0.35, 0, 0.5],
      labels: NONE,
      note: 'head and collar, hands out of view',
    },
    { id: 'grey', photo: null, fill: 128, labels: CLOSE_UP, note: 'empty grey frame' },
  ],
};

/** A case's frame as packed RGB24 of `width`×`height`. */
export async function poseFrame(c: PoseCase, width = 640, height = 480): Promise<Uint8Array> {
  if (!c.photo) return new Uint8Array(width * height * 3).fill(c.fill ?? 0);
  let img = sharp(join(PHOTOS, c.photo));
  if (c.rotate) img = sharp(await img.rotate(c.rotate, { background: '#000' }).png().toBuffer());
  const meta = await img.metadata();
  const w = meta.width as number;
  const h = meta.height as number;
  if (c.crop) {
    const [l, t, s] = c.crop;
    const cw = Math.round(s * w);
    const ch = Math.min(h - Math.round(t * h), Math.round((cw * height) / width));
    img = img.extract({ left: Math.round(l * w), top: Math.round(t * h), width: cw, height: ch });
  }
  img = img.resize(width, height, { fit: 'cover' });
  if (c.mirror) img = img.flop();
  const { data } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}
