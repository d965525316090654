import type { Analyser, AnalyserContext, SignalDraft, VideoSample } from '../analysers/analyser.js';
import { type FaceDetection, FaceDetector, noseOffset } from './face-detector.js';

/** Options of {@link FaceAnalyser}. */
export interface FaceAnalyserOptions {
  /** Frames analysed per second at most; newer frames replace older ones (none queue). */
  fps: number;
  /** A condition must hold this long before its episode starts (hysteresis). */
  enterMs: number;
  /** …and be gone this long before the episode ends. */
  exitMs: number;
  /** |nose offset| (eye distances) above which the head counts as turned away. */
  turnedOffset: number;
  /** Summary window for analysed fps, skipped frames and the look-away share. */
  summaryMs: number;
}

export const defaultFaceAnalyserOptions: FaceAnalyserOptions = {
  fps: 2,
  enterMs: 1500,
  exitMs: 1000,
  turnedOffset: 0.25,
  summaryMs: 10_000,
};

type Condition = 'no-face' | 'additional-person' | 'look-away';

/** One condition with hysteresis: it must hold `enterMs` to start and be absent `exitMs` to end. */
class Episode {
  since = -1;
  clearSince = -1;
  active = false;
  startedAt = 0;
  values: number[] = [];
  constructor(
    readonly kind: Condition,
    readonly opts: FaceAnalyserOptions,
  ) {}

  /** Feeds one observation; returns 'start' / 'end' when the episode changes. */
  observe(t: number, holds: boolean, value: number): 'start' | 'end' | undefined {
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

/**
 * Face presence, additional people and look-away episodes from BlazeFace on sampled frames.
 * Signals: `no-face`, `additional-person`, `look-away` (each with `phase` start/end, duration and
 * measured values) and a periodic `face-summary` (analysed fps, skipped frames, shares).
 */
export class FaceAnalyser implements Analyser<'video'> {
  readonly name = 'face';
  readonly media = 'video' as const;
  #opts: FaceAnalyserOptions;
  #detector: FaceDetector;

  constructor(opts: Partial<FaceAnalyserOptions> = {}, detector = new FaceDetector()) {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.#opts = { ...defaultFaceAnalyserOptions, ...given };
    if (!(this.#opts.fps > 0)) throw new RangeError('fps must be positive');
    this.#detector = detector;
  }

  async *analyse(samples: AsyncIterable<VideoSample>, _ctx?: AnalyserContext): AsyncIterable<SignalDraft> {
    await this.#detector.ready(); // a missing model throws a ModelError: this analyser off, others on
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
    for await (const sample of samples) {
      const t = sample.receivedAt;
      if (windowStart < 0) windowStart = t;
      seen++;
      if (t - last < interval) continue;
      last = t;
      const began = performance.now();
      const frame = sample.rgb();
      const faces: FaceDetection[] = await this.#detector.detect(frame.data, frame.width, frame.height);
      busyMs += performance.now() - began;
      analysed++;
      const main = faces[0];
      const offset = main ? noseOffset(main) : 0;
      const away = main !== undefined && faces.length === 1 && Math.abs(offset) > this.#opts.turnedOffset;
      if (prevT >= 0 && prevAway) awayMs += t - prevT;
      prevT = t;
      prevAway = away;
      if (main) faceFrames++;
      const checks: Record<Condition, [boolean, number]> = {
        'no-face': [faces.length === 0, 0],
        'additional-person': [faces.length > 1, faces.length],
        'look-away': [away, offset],
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
            width: frame.width,
            height: frame.height,
          },
          confidence: 1,
          summary: `face analysis at ${(analysed / secs).toFixed(1)} fps, looked away ${Math.round((100 * awayMs) / (t - windowStart))} % of the window`,
        };
        windowStart = t;
        seen = analysed = faceFrames = 0;
        busyMs = awayMs = 0;
      }
    }
  }

  #episodeSignal(ep: Episode, phase: 'start' | 'end', t: number, face?: FaceDetection): SignalDraft {
    const vals = ep.values;
    const mean = vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : 0;
    const end = t;
    const values: SignalDraft['values'] = {
      phase,
      durationMs: end - ep.startedAt,
      observations: vals.length,
    };
    if (ep.kind === 'look-away') {
      values.meanNoseOffset = Number(mean.toFixed(3));
      values.direction = mean < 0 ? 'image-left' : 'image-right';
    }
    if (ep.kind === 'additional-person') values.maxFaces = Math.max(...vals, 0);
    if (face) values.faceWidthPx = Math.round(face.width);
    return {
      kind: ep.kind,
      range: { start: ep.startedAt, end },
      values,
      confidence: Math.min(1, 0.5 + vals.length / 10),
      summary: `${SUMMARIES[ep.kind]} ${phase === 'start' ? 'since' : 'for'} ${((end - ep.startedAt) / 1000).toFixed(1)} s`,
    };
  }
}
