import type { Analyser, AnalyserContext, SignalDraft, VideoSample } from '../analysers/analyser.js';
import { type FaceDetection, FaceDetector, noseOffset } from './face-detector.js';
import { FaceLandmarker } from './face-landmarks.js';
import { type FaceMeasures, faceStates, measureFace } from './head-pose.js';

/** Options of {@link FaceAnalyser}. */
export interface FaceAnalyserOptions {
  /** Frames analysed per second at most; newer frames replace older ones (none queue). */
  fps: number;
  /** A condition must hold this long before its episode starts (hysteresis). */
  enterMs: number;
  /** …and be gone this long before the episode ends. */
  exitMs: number;
  /** |nose offset| (eye distances) above which the head counts as turned away (fallback without landmarks). */
  turnedOffset: number;
  /** |yaw| in degrees (from Face Mesh landmarks) above which the head counts as turned away. */
  turnedYawDeg: number;
  /** |pitch| in degrees above which the head counts as turned away (looking far up or down). */
  turnedPitchDeg: number;
  /** Summary window for analysed fps, skipped frames and the look-away share. */
  summaryMs: number;
}

export const defaultFaceAnalyserOptions: FaceAnalyserOptions = {
  fps: 2,
  enterMs: 1500,
  exitMs: 1000,
  turnedOffset: 0.25,
  turnedYawDeg: 25,
  turnedPitchDeg: 30,
  summaryMs: 10_000,
};

type Condition = 'no-face' | 'additional-person' | 'look-away';

/** One condition with hysteresis: it must hold `enterMs` to start and be absent `exitMs` to end. */
class Episode {
  since = -1;
  clearSince = -1;
  active = false;
  startedAt = 0;
  values: Record<string, number>[] = [];
  constructor(
    readonly kind: Condition,
    readonly opts: FaceAnalyserOptions,
  ) {}

  /** Feeds one observation; returns 'start' / 'end' when the episode changes. */
  observe(t: number, holds: boolean, value: Record<string, number>): 'start' | 'end' | undefined {
    if (holds) {
      this.clearSince = -1;
      if (this.since < 0) this.since = t;
      if (this.active) this.values.push(value);
      else if (t - this.since >= this.opts.enterMs) {
        this.active = true;
        this.startedAt = this.since;
        this.values = [value];
        return 'start';
      }
    } else {
      this.since = -1;
      if (this.active) {
        if (this.clearSince < 0) this.clearSince = t;
        if (t - this.clearSince >= this.opts.exitMs) {
          this.active = false;
          return 'end';
        }
      }
    }
    return undefined;
  }
}

const SUMMARIES: Record<Condition, string> = {
  'no-face': 'no face in view',
  'additional-person': 'more than one face in view',
  'look-away': 'head turned away from the camera',
};

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/**
 * Face presence, additional people and look-away episodes from BlazeFace and Face Mesh on sampled
 * frames. Look-away uses the landmark head pose (|yaw| or |pitch| over a threshold); when the
 * landmark model is missing it falls back to BlazeFace's coarse nose offset.
 * Signals: `no-face`, `additional-person`, `look-away` (each with `phase` start/end, duration and
 * measured values) and a periodic `face-summary` (analysed fps, skipped frames, shares, mean angles).
 */
export class FaceAnalyser implements Analyser<'video'> {
  readonly name = 'face';
  readonly media = 'video' as const;
  #opts: FaceAnalyserOptions;
  #detector: FaceDetector;
  #landmarker: FaceLandmarker | undefined;

  constructor(
    opts: Partial<FaceAnalyserOptions> = {},
    detector = new FaceDetector(),
    landmarker: FaceLandmarker | undefined = new FaceLandmarker(),
  ) {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.#opts = { ...defaultFaceAnalyserOptions, ...given };
    if (!(this.#opts.fps > 0)) throw new RangeError('fps must be positive');
    this.#detector = detector;
    this.#landmarker = landmarker;
  }

  async *analyse(samples: AsyncIterable<VideoSample>, _ctx?: AnalyserContext): AsyncIterable<SignalDraft> {
    await this.#detector.ready(); // a missing model throws a ModelError: this analyser off, others on
    // without the landmark model (logged once by onnxSession) look-away falls back to the nose offset
    const landmarker = await this.#landmarker?.ready().then(
      () => this.#landmarker,
      () => undefined,
    );
    const interval = 1000 / this.#opts.fps;
    const episodes = (['no-face', 'additional-person', 'look-away'] as const).map(
      (k) => new Episode(k, this.#opts),
    );
    let last = Number.NEGATIVE_INFINITY;
    let windowStart = -1;
    let seen = 0;
    let analysed = 0;
    let busyMs = 0;
    let awayMs = 0;
    let faceFrames = 0;
    let prevT = -1;
    let prevAway = false;
    let angles: FaceMeasures[] = [];
    for await (const sample of samples) {
      const t = sample.receivedAt;
      if (windowStart < 0) windowStart = t;
      seen++;
      if (t - last < interval) continue;
      last = t;
      const began = performance.now();
      const frame = sample.rgb();
      const faces: FaceDetection[] = await this.#detector.detect(frame.data, frame.width, frame.height);
      const main = faces[0];
      const offset = main ? noseOffset(main) : 0;
      const marks =
        main && landmarker
          ? await landmarker.landmarks(frame.data, frame.width, frame.height, main)
          : undefined;
      const pose = marks && marks.presence >= 0.5 ? measureFace(marks.points) : undefined;
      busyMs += performance.now() - began;
      analysed++;
      if (pose) angles.push(pose);
      const turned = pose
        ? Math.abs(pose.yaw) > this.#opts.turnedYawDeg || Math.abs(pose.pitch) > this.#opts.turnedPitchDeg
        : Math.abs(offset) > this.#opts.turnedOffset;
      const away = main !== undefined && faces.length === 1 && turned;
      const observed: Record<string, number> = { noseOffset: offset };
      if (pose) Object.assign(observed, { yaw: pose.yaw, pitch: pose.pitch, roll: pose.roll });
      if (prevT >= 0 && prevAway) awayMs += t - prevT;
      prevT = t;
      prevAway = away;
      if (main) faceFrames++;
      const checks: Record<Condition, [boolean, Record<string, number>]> = {
        'no-face': [faces.length === 0, {}],
        'additional-person': [faces.length > 1, { faces: faces.length }],
        'look-away': [away, observed],
      };
      for (const ep of episodes) {
        const [holds, value] = checks[ep.kind];
        const change = ep.observe(t, holds, value);
        if (change) yield this.#episodeSignal(ep, change, t, main);
      }
      if (t - windowStart >= this.#opts.summaryMs) {
        const secs = (t - windowStart) / 1000;
        yield {
          kind: 'face-summary',
          range: { start: windowStart, end: t },
          values: {
            analysedFps: Number((analysed / secs).toFixed(2)),
            framesSeen: seen,
            framesAnalysed: analysed,
            framesSkipped: seen - analysed,
            msPerFrame: Number((busyMs / Math.max(1, analysed)).toFixed(1)),
            faceShare: Number((faceFrames / Math.max(1, analysed)).toFixed(2)),
            lookAwayShare: Number(Math.min(1, awayMs / (t - windowStart)).toFixed(2)),
            ...this.#angleSummary(angles),
            width: frame.width,
            height: frame.height,
          },
          confidence: 1,
          summary: `face analysis at ${(analysed / secs).toFixed(1)} fps, looked away ${Math.round((100 * awayMs) / (t - windowStart))} % of the window`,
        };
        windowStart = t;
        seen = analysed = faceFrames = 0;
        angles = [];
        busyMs = awayMs = 0;
      }
    }
  }

  #episodeSignal(ep: Episode, phase: 'start' | 'end', t: number, face?: FaceDetection): SignalDraft {
    const vals = ep.values;
    const of = (key: string) => vals.flatMap((v) => (v[key] === undefined ? [] : [v[key] as number]));
    const end = t;
    const values: SignalDraft['values'] = {
      phase,
      durationMs: end - ep.startedAt,
      observations: vals.length,
    };
    if (ep.kind === 'look-away') {
      const nose = mean(of('noseOffset'));
      const yaws = of('yaw');
      values.meanNoseOffset = round(nose, 3);
      if (yaws.length) {
        const yaw = mean(yaws);
        const pitch = mean(of('pitch'));
        values.meanYawDeg = round(yaw);
        values.meanPitchDeg = round(pitch);
        values.meanRollDeg = round(mean(of('roll')));
        values.direction =
          Math.abs(yaw) >= Math.abs(pitch)
            ? yaw < 0
              ? 'image-left'
              : 'image-right'
            : pitch < 0
              ? 'down'
              : 'up';
      } else values.direction = nose < 0 ? 'image-left' : 'image-right';
    }
    if (ep.kind === 'additional-person') values.maxFaces = Math.max(...of('faces'), 0);
    if (face) values.faceWidthPx = Math.round(face.width);
    return {
      kind: ep.kind,
      range: { start: ep.startedAt, end },
      values,
      confidence: Math.min(1, 0.5 + vals.length / 10),
      summary: `${SUMMARIES[ep.kind]} ${phase === 'start' ? 'since' : 'for'} ${((end - ep.startedAt) / 1000).toFixed(1)} s`,
    };
  }

  /** Mean head angles and eye/mouth shares over the frames with landmarks in a summary window. */
  #angleSummary(angles: FaceMeasures[]): Record<string, number> {
    if (!angles.length) return { landmarkFrames: 0 };
    const share = (f: (m: FaceMeasures) => boolean) => round(angles.filter(f).length / angles.length, 2);
    return {
      landmarkFrames: angles.length,
      meanYawDeg: round(mean(angles.map((a) => a.yaw))),
      meanPitchDeg: round(mean(angles.map((a) => a.pitch))),
      meanRollDeg: round(mean(angles.map((a) => a.roll))),
      eyesClosedShare: share((m) => faceStates(m).eyesClosed),
      mouthOpenShare: share((m) => faceStates(m).mouthOpen),
    };
  }
}
