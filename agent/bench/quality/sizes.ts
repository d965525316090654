import { defaultPoseAnalyserOptions } from '../../src/vision/pose-analyser.js';
import { POSE_CASES, POSE_KINDS, type PoseCase } from '../../src/vision/pose-cases.js';
import { PoseLandmarker } from '../../src/vision/pose-landmarks.js';
import { FACE_KINDS, type FaceReading, faceBench, scoreFace } from './face.js';
import { type PoseFigures, type PoseVerdict, poseVerdicts, scorePose } from './pose.js';
import { CAMERA, type Coding, type FrameSize, sizeName, vp8LayerFor } from './scale.js';

/** |shoulder tilt| at or above which `shoulder-tilt` holds (the pose analyser's default). */
const TILT_DEG = defaultPoseAnalyserOptions.tiltDeg;

interface Change {
  id: string;
  kind: string;
  /** Verdict at the camera's size → at this size. */
  from: boolean;
  to: boolean;
  label: boolean | null;
}

/** The kinds whose verdict on one labelled case differs between the reference size and another. */
function verdictChanges<K extends string>(
  c: { id: string; labels: Partial<Record<K, boolean>> },
  kinds: readonly K[],
  ref: Record<K, boolean>,
  now: Record<K, boolean>,
): Change[] {
  return kinds
    .filter((k) => ref[k] !== now[k])
    .map((k) => ({ id: c.id, kind: k, from: ref[k], to: now[k], label: c.labels[k] ?? null }));
}

/**
 * The labelled face and pose frames analysed at the camera's 640×480 and, in the same run, shrunk
 * to each of `sizes` first (area averaging, as a lower simulcast layer is made): per size the
 * scores of every kind, the measures behind them per case, and every verdict that differs from
 * the one at 640×480. Only the current measures; no threshold changes with the size. With `coding: 'vp8'`
 * every size, 640×480 included, is also VP8-coded as its camera layer would be (see {@link vp8RoundTrip}).
 */
export async function sizesBench(sizes: FrameSize[], coding: Coding = 'shrink') {
  const all = [CAMERA, ...sizes.filter((s) => sizeName(s) !== sizeName(CAMERA))];
  const face = await faceBench(all, coding);
  const landmarker = new PoseLandmarker();
  await landmarker.ready();
  const pose: { c: PoseCase; split: string; bySize: { verdict: PoseVerdict; figures: PoseFigures }[] }[] = [];
  for (const split of ['tuning', 'heldOut'] as const) {
    for (const c of POSE_CASES[split]) {
      const bySize = [];
      for (const s of all) {
        const v = await poseVerdicts(c, landmarker, s, coding);
        bySize.push({ verdict: v.current, figures: v.figures });
      }
      pose.push({ c, split, bySize });
    }
  }
  const tilted = (f: PoseFigures) => f.shoulderTiltDeg !== null && Math.abs(f.shoulderTiltDeg) >= TILT_DEG;
  const out: Record<string, unknown> = {};
  all.forEach((s, i) => {
    const changes: Change[] = [];
    for (const r of face) {
      const ref = r.bySize[0] as FaceReading;
      const now = r.bySize[i] as FaceReading;
      changes.push(...verdictChanges(r.c, FACE_KINDS, ref.verdict, now.verdict));
    }
    for (const r of pose) {
      const ref = r.bySize[0] as { verdict: PoseVerdict; figures: PoseFigures };
      const now = r.bySize[i] as { verdict: PoseVerdict; figures: PoseFigures };
      changes.push(...verdictChanges(r.c, POSE_KINDS, ref.verdict, now.verdict));
      if (tilted(ref.figures) !== tilted(now.figures))
        changes.push({
          id: r.c.id,
          kind: 'shoulder-tilt',
          from: tilted(ref.figures),
          to: tilted(now.figures),
          label: null,
        });
    }
    const poseRows = (split: string) =>
      pose
        .filter((r) => r.split === split)
        .map((r) => ({ c: r.c, verdict: r.bySize[i]?.verdict as PoseVerdict }));
    out[sizeName(s)] = {
      coding:
        coding === 'vp8' ? { codec: 'vp8', ...vp8LayerFor(s) } : { codec: 'none (area-averaged shrink)' },
      face: scoreFace(face.map((r) => ({ c: r.c, verdict: (r.bySize[i] as FaceReading).verdict }))),
      pose: { tuning: scorePose(poseRows('tuning')), heldOut: scorePose(poseRows('heldOut')) },
      changedFrom640x480: changes,
      faceCases: Object.fromEntries(face.map((r) => [r.c.id, r.bySize[i]])),
      poseCases: Object.fromEntries(
        pose.map((r) => [
          r.c.id,
          {
            ...r.bySize[i]?.figures,
            ...r.bySize[i]?.verdict,
            tilted: tilted(r.bySize[i]?.figures as PoseFigures),
          },
        ]),
      ),
    };
  });
  return out;
}
