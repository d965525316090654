import {
  POSE_CASES,
  POSE_KINDS,
  type PoseCase,
  type PoseKind,
  poseFrame,
} from '../../src/vision/pose-cases.js';
import { PoseLandmarker } from '../../src/vision/pose-landmarks.js';
import { measurePose } from '../../src/vision/pose-measures.js';
import { measurePose as legacyMeasurePose } from './legacy-pose-measures.js';
import { type Score, scoreLabelled } from './metrics.js';
import { CAMERA, type Coding, type FrameSize, layerFrame } from './scale.js';

/** Per kind, whether the episode's condition held on the frame. */
export type PoseVerdict = Record<PoseKind, boolean>;

/** The current measures' posture figures on a case's tracked frames (means; null where no body was found). */
export interface PoseFigures {
  /** Tracked frames with a body. */
  bodies: number;
  /** Tracked frames with a head-and-shoulders view. */
  upperBody: number;
  shoulderTiltDeg: number | null;
  headHeight: number | null;
  /** Highest found wrist above its shoulder, shoulder widths (null when no wrist was found). */
  raisedMax: number | null;
}

/** Frames a case is analysed for after the first (the landmarker tracks a still frame as in a video). */
const TRACKED = 3;

/**
 * Runs the pose landmarker on a case's frame as on a still video (one search, then `TRACKED`
 * tracked frames) and says, for the old and the current measures, which episode conditions held
 * on most tracked frames (an episode needs its condition to hold for a while). With `size` the
 * 640×480 frame is first shrunk to it by area averaging (a lower simulcast layer), and VP8-coded with
 * `coding: 'vp8'`.
 */
export async function poseVerdicts(
  c: PoseCase,
  landmarker = new PoseLandmarker(),
  size: FrameSize = CAMERA,
  coding: Coding = 'shrink',
): Promise<{ legacy: PoseVerdict; current: PoseVerdict; figures: PoseFigures }> {
  const { width, height } = size;
  const rgb = layerFrame(await poseFrame(c, CAMERA.width, CAMERA.height), size, coding);
  landmarker.reset();
  const votes = { legacy: [0, 0, 0], current: [0, 0, 0] };
  const seen = {
    bodies: 0,
    upperBody: 0,
    tilt: [] as number[],
    head: [] as number[],
    raised: [] as number[],
  };
  for (let i = 0; i <= TRACKED; i++) {
    const body = await landmarker.landmarks(rgb, width, height);
    if (i === 0) continue;
    const old = body ? legacyMeasurePose(body.points, width, height) : undefined;
    const now = body ? measurePose(body.points, width, height) : undefined;
    if (now) {
      seen.bodies++;
      if (now.upperBody) {
        seen.upperBody++;
        seen.tilt.push(now.shoulderTiltDeg);
        seen.head.push(now.headHeight);
      }
      if (Number.isFinite(now.wristAboveShoulder)) seen.raised.push(now.wristAboveShoulder);
    }
    const holds = [
      [
        old?.handNearFace === true,
        old !== undefined && (old.raised.left || old.raised.right),
        !old?.upperBody,
      ],
      [
        now?.handNearFace === true,
        now !== undefined && (now.raised.left || now.raised.right),
        !now?.upperBody,
      ],
    ];
    holds[0]?.forEach((h, k) => {
      votes.legacy[k] = (votes.legacy[k] as number) + (h ? 1 : 0);
    });
    holds[1]?.forEach((h, k) => {
      votes.current[k] = (votes.current[k] as number) + (h ? 1 : 0);
    });
  }
  const verdict = (v: number[]) =>
    Object.fromEntries(POSE_KINDS.map((k, i) => [k, (v[i] as number) * 2 > TRACKED])) as PoseVerdict;
  const mean = (xs: number[]) =>
    xs.length ? Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)) : null;
  const figures: PoseFigures = {
    bodies: seen.bodies,
    upperBody: seen.upperBody,
    shoulderTiltDeg: mean(seen.tilt),
    headHeight: mean(seen.head),
    raisedMax: seen.raised.length ? Number(Math.max(...seen.raised).toFixed(2)) : null,
  };
  return { legacy: verdict(votes.legacy), current: verdict(votes.current), figures };
}

/** Precision and recall per kind of one approach over labelled cases. */
export function scorePose(
  results: { c: PoseCase; verdict: PoseVerdict }[],
): Record<PoseKind, Score & { falseOn: string[] }> {
  const scores = scoreLabelled(POSE_KINDS, results);
  return Object.fromEntries(
    POSE_KINDS.map((k) => {
      const { wrong, ...s } = scores[k];
      return [k, { ...s, falseOn: wrong }];
    }),
  ) as Record<PoseKind, Score & { falseOn: string[] }>;
}

/** Old and current measures on the tuning and held-out frames. */
export async function poseBench() {
  const landmarker = new PoseLandmarker();
  await landmarker.ready();
  const out: Record<string, Record<'legacy' | 'current', ReturnType<typeof scorePose>>> = {};
  for (const split of ['tuning', 'heldOut'] as const) {
    const rows = [];
    for (const c of POSE_CASES[split]) rows.push({ c, ...(await poseVerdicts(c, landmarker)) });
    out[split] = {
      legacy: scorePose(rows.map((r) => ({ c: r.c, verdict: r.legacy }))),
      current: scorePose(rows.map((r) => ({ c: r.c, verdict: r.current }))),
    };
  }
  return out;
}
