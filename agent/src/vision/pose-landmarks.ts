import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { type OnnxSessionOptions, onnxSession } from './onnx-sessions.js';
import { PoseDetector } from './pose-detector.js';
import { cropRotated, cropToFrame, type PoseRoi, roiFromAlignment, wholeFrameRoi } from './pose-roi.js';

/** MediaPipe's 33 body landmarks (BlazePose topology); "left" and "right" are the person's own. */
export const POSE = {
  nose: 0,
  leftEyeInner: 1,
  leftEye: 2,
  leftEyeOuter: 3,
  rightEyeInner: 4,
  rightEye: 5,
  rightEyeOuter: 6,
  leftEar: 7,
  rightEar: 8,
  mouthLeft: 9,
  mouthRight: 10,
  leftShoulder: 11,
  rightShoulder: 12,
  leftElbow: 13,
  rightElbow: 14,
  leftWrist: 15,
  rightWrist: 16,
  leftPinky: 17,
  rightPinky: 18,
  leftIndex: 19,
  rightIndex: 20,
  leftThumb: 21,
  rightThumb: 22,
  leftHip: 23,
  rightHip: 24,
} as const;

/** One body landmark in frame pixels. */
export interface PosePoint {
  x: number;
  y: number;
  /** Depth relative to the hips, same scale as x (smaller = nearer the camera). */
  z: number;
  /** Probability that the point is visible (not occluded), 0–1. */
  visibility: number;
  /** Probability that the point lies inside the frame, 0–1. */
  presence: number;
}

/** The body found in one frame. */
export interface PoseLandmarks {
  /** Probability that the crop holds a person, 0–1 (the model's pose flag). */
  presence: number;
  /** 33 landmarks (see {@link POSE}), frame pixels. */
  points: PosePoint[];
  /** The region that was analysed, frame pixels. */
  roi: PoseRoi;
  /** Landmark-model runs spent on this frame (1 while tracking; more when the frame had to be searched). */
  passes: number;
  /** Whether the person detector ran on this frame (nobody was tracked). */
  detected: boolean;
}

/** Options of {@link PoseLandmarker}. */
export interface PoseLandmarkerOptions {
  /** Minimum pose presence for a person to count as found. */
  threshold: number;
  /** Frames larger than this (longer side, px) are shrunk once with sharp before cropping. */
  workSize: number;
  /** ROI side = this × 2 × (hip centre → body-size point), as MediaPipe. */
  roiScale: number;
  /**
   * Squares tried when no body is tracked: [side / longer frame side, downward shift of the
   * centre / longer frame side].
   */
  search: [number, number][];
  /**
   * While tracking, a frame whose own ROI differs from the tracked one by more than this (relative
   * size or centre shift; 1.5× this in radians of rotation) is analysed again in its own ROI.
   */
  retrack: number;
  /** Largest ROI side, in longer frame sides. */
  maxRoi: number;
  session: Partial<OnnxSessionOptions>;
}

export const defaultPoseLandmarkerOptions: PoseLandmarkerOptions = {
  threshold: 0.5,
  workSize: 1280,
  roiScale: 1.25,
  search: [
    [1, 0],
    [1.5, 0.25],
    [2, 0.5],
    [2.5, 0.75],
  ],
  retrack: 0.1,
  maxRoi: 2.5,
  session: {},
};

const MODEL = 'pose-landmark-full';
const SIDE = 256;
const STRIDE = 5;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Whether ROI `b` differs from `a` by more than `limit` (relative size, centre shift in sides, radians). */
function moved(a: PoseRoi, b: PoseRoi, limit: number): boolean {
  let turn = Math.abs(a.rotation - b.rotation) % (2 * Math.PI);
  turn = Math.min(turn, 2 * Math.PI - turn);
  return (
    Math.abs(b.size / a.size - 1) > limit ||
    Math.hypot(b.cx - a.cx, b.cy - a.cy) / a.size > limit ||
    turn > limit * 1.5
  );
}

/**
 * MediaPipe Pose (BlazePose GHUM full, ONNX converted by `models/convert-pose.py`) on RGB24
 * frames. As MediaPipe does while tracking, the region of interest comes from the model's own
 * alignment points (hip centre → body size/direction point): later frames start from the previous
 * frame's ROI. With nobody tracked, the person detector ({@link PoseDetector}, optional: without
 * its model this step is skipped) first says whether anybody is in view; then a few whole-frame
 * squares are tried and the best is confirmed by a second run in the rotated ROI its points give.
 * The detector's own ROI is not used (in a webcam view it centres on hips far below the frame; see
 * the README). One instance tracks one video stream.
 */
export class PoseLandmarker {
  /** The model it runs (`models/manifest.json`). */
  static readonly model = MODEL;
  #opts: PoseLandmarkerOptions;
  #input = new Float32Array(SIDE * SIDE * 3);
  #tracked: PoseRoi | undefined;
  #trackedSize = '';
  #detector: PoseDetector | undefined;
  #detectorLoaded: Promise<PoseDetector | undefined> | undefined;

  constructor(opts: Partial<PoseLandmarkerOptions> = {}, detector: PoseDetector | null = new PoseDetector()) {
    this.#opts = { ...defaultPoseLandmarkerOptions, ...opts };
    this.#detector = detector ?? undefined;
  }

  /** Loads the model (rejects with a `ModelError` when it is missing or corrupt). */
  ready(): Promise<unknown> {
    return onnxSession(MODEL, this.#opts.session);
  }

  /**
   * The ROI a result's alignment points give, its side capped at `maxRoi` × the frame's longer
   * side: in a head-and-shoulders view the hips are out of the frame and the model's guess of them
   * drifts outwards as the ROI grows, so without a cap the tracked ROI would keep growing.
   */
  #fromPoints(at: (i: number) => [number, number], w: number, h: number): PoseRoi {
    return this.#capped(roiFromAlignment(at(33), at(34), this.#opts.roiScale), w, h);
  }

  #capped(roi: PoseRoi, w: number, h: number): PoseRoi {
    return { ...roi, size: Math.min(roi.size, this.#opts.maxRoi * Math.max(w, h)) };
  }

  /** The person detector once its model loaded, or undefined without it (then the whole-frame search is used). */
  #detectorReady(): Promise<PoseDetector | undefined> {
    const d = this.#detector;
    this.#detectorLoaded ??= d
      ? d.ready().then(
          () => d,
          () => undefined,
        )
      : Promise.resolve(undefined);
    return this.#detectorLoaded;
  }

  /** Forgets the tracked region (the next frame is searched whole). */
  reset(): void {
    this.#tracked = undefined;
  }

  /**
   * The body in a packed RGB24 frame, or undefined when there is none (presence under the
   * threshold, or a frame too small or malformed to analyse).
   */
  async landmarks(rgb: Uint8Array, width: number, height: number): Promise<PoseLandmarks | undefined> {
    if (!(width >= 8 && height >= 8) || rgb.length < width * height * 3) return undefined;
    const session = await onnxSession(MODEL, this.#opts.session);
    let data = rgb;
    let w = width;
    let h = height;
    const long = Math.max(width, height);
    if (long > this.#opts.workSize) {
      const k = this.#opts.workSize / long;
      w = Math.max(1, Math.round(width * k));
      h = Math.max(1, Math.round(height * k));
      data = await sharp(rgb, { raw: { width, height, channels: 3 } })
        .resize(w, h, { fit: 'fill' })
        .raw()
        .toBuffer();
    }
    const sizeKey = `${width}x${height}`;
    if (sizeKey !== this.#trackedSize) this.#tracked = undefined; // resolution change: search again
    this.#trackedSize = sizeKey;
    const scale = width / w;
    let passes = 0;
    const run = async (roi: PoseRoi) => {
      passes++;
      cropRotated(data, w, h, roi, SIDE, this.#input);
      // only the landmarks and the pose flag: the segmentation and heatmap outputs (700 KB) are not read
      const out = await session.run({ input_1: new ort.Tensor('float32', this.#input, [1, SIDE, SIDE, 3]) }, [
        'Identity',
        'Identity_1',
      ]);
      const raw = out.Identity?.data as Float32Array | undefined;
      const flag = out.Identity_1?.data as Float32Array | undefined;
      if (!raw || !flag) throw new Error(`model ${MODEL} returned no Identity / Identity_1 output`);
      const presence = flag[0] as number;
      const at = (i: number): [number, number] =>
        cropToFrame(roi, SIDE, raw[i * STRIDE] as number, raw[i * STRIDE + 1] as number);
      return { roi, presence, raw, at };
    };
    const th = this.#opts.threshold;
    let r = this.#tracked ? await run(this.#tracked) : undefined;
    if (r && r.presence >= th) {
      // the body moved or the view cut: run again in the ROI this frame's points give
      const next = this.#fromPoints(r.at, w, h);
      if (moved(r.roi, next, this.#opts.retrack)) {
        const again = await run(next);
        if (again.presence >= th) {
          r = again;
          this.#tracked = next;
        }
      }
    }
    let detected = false;
    if (!r || r.presence < th) {
      r = undefined;
      // the person detector (when its model is there) says whether anybody is in view: an empty
      // frame costs one detector run, and the landmark model's false hits on close-ups of a face
      // or on texture never start a search
      const detector = await this.#detectorReady();
      detected = detector !== undefined;
      const anybody = detector ? (await detector.detect(data, w, h)).length > 0 : true;
      if (anybody) {
        // whole-frame squares (zoomed out and lowered, so that a head-and-shoulders view sits
        // where the model expects an upper body), most confident first, each confirmed by a
        // second run in the ROI its alignment points give (both runs must find a person)
        const whole = wholeFrameRoi(w, h);
        const tries = [];
        for (const [k, dy] of this.#opts.search)
          tries.push(await run({ ...whole, cy: whole.cy + dy * whole.size, size: whole.size * k }));
        tries.sort((a, b) => b.presence - a.presence);
        for (const t of tries) {
          if (t.presence < th) break;
          const refined = await run(this.#fromPoints(t.at, w, h));
          if (refined.presence >= th) {
            r = refined;
            this.#tracked = refined.roi;
            break;
          }
        }
      }
    }
    if (!r) {
      this.#tracked = undefined;
      return undefined;
    }
    const k = r.roi.size / SIDE;
    const points: PosePoint[] = [];
    for (let i = 0; i < 33; i++) {
      const [x, y] = r.at(i);
      points.push({
        x: x * scale,
        y: y * scale,
        z: (r.raw[i * STRIDE + 2] as number) * k * scale,
        visibility: sigmoid(r.raw[i * STRIDE + 3] as number),
        presence: sigmoid(r.raw[i * STRIDE + 4] as number),
      });
    }
    const roi = { ...r.roi, cx: r.roi.cx * scale, cy: r.roi.cy * scale, size: r.roi.size * scale };
    return { presence: r.presence, points, roi, passes, detected };
  }
}
