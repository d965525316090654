import type { episodeFields, SignalKind, SignalValues } from '@interview-helper/protocol';
import type { Analyser, AnalyserContext, SignalDraft, VideoSample } from '../analysers/analyser.js';
import { withDefaults } from '../options.js';
import { Episode } from './episode.js';
import { orSkip } from './onnx-sessions.js';
import { PoseLandmarker } from './pose-landmarks.js';
import {
  defaultPoseMeasureOptions,
  measurePose,
  type PoseMeasureOptions,
  type PoseMeasures,
} from './pose-measures.js';
import { FrameSampler, type FrameSamplerOptions, samplingOptions } from './sampler.js';

/** Options of {@link PoseAnalyser}. */
export interface PoseAnalyserOptions {
  /** A fixed analysed rate (frames per second) for speaking and idle alike; overrides `sampling`'s rates. */
  fps?: number;
  /** Adaptive frame sampling (speaking / idle rates, CPU load); see {@link FrameSampler}. */
  sampling: Partial<FrameSamplerOptions>;
  /** A condition must hold this long before its episode starts (hysteresis in time)… */
  enterMs: number;
  /** …and be gone this long before the episode ends. */
  exitMs: number;
  /** |shoulder tilt| (degrees, smoothed) that starts a `shoulder-tilt` episode. */
  tiltDeg: number;
  /** Change of head height over the shoulders from the baseline (shoulder widths) that counts as a posture change. */
  headHeightDelta: number;
  /** Change of the head's sideways offset from the baseline (shoulder widths) that counts as leaning sideways. */
  headOffsetDelta: number;
  /** Shoulder width against the baseline above this ratio (or below its inverse) counts as moving closer (farther). */
  distanceRatio: number;
  /** While an episode runs, its value thresholds are multiplied by this (< 1) to end it (hysteresis in value). */
  releaseScale: number;
  /** The first this-many ms with an upper body in view make the candidate's own posture baseline. */
  baselineMs: number;
  /** Weight of the newest frame in the exponential smoothing of angles and ratios (1 = none). */
  smoothing: number;
  /** Summary window (analysed fps, skipped frames, ms per frame, shares). */
  summaryMs: number;
  measure: PoseMeasureOptions;
}

export const defaultPoseAnalyserOptions: PoseAnalyserOptions = {
  sampling: {},
  enterMs: 1500,
  exitMs: 1000,
  tiltDeg: 12,
  headHeightDelta: 0.15,
  headOffsetDelta: 0.2,
  distanceRatio: 1.25,
  releaseScale: 0.7,
  baselineMs: 5000,
  smoothing: 0.5,
  summaryMs: 10_000,
  measure: defaultPoseMeasureOptions,
};

const KINDS = ['out-of-frame', 'hand-to-face', 'raised-hand', 'shoulder-tilt', 'posture-change'] as const;
type Kind = (typeof KINDS)[number];
const SUMMARIES: Record<Kind, string> = {
  'out-of-frame': 'candidate (head and shoulders) not fully in view, or only a close-up of the face',
  'hand-to-face': 'hand at the face or head',
  'raised-hand': 'hand raised above the shoulder',
  'shoulder-tilt': 'shoulders tilted',
  'posture-change': 'posture changed from the start of the interview',
};
interface Smoothed {
  tilt: number;
  head: number;
  offset: number;
  width: number;
}
/** Exponential smoothing of every measure: `prev + a · (now − prev)`. */
const ema = (prev: Smoothed, now: Smoothed, a: number): Smoothed => ({
  tilt: prev.tilt + a * (now.tilt - prev.tilt),
  head: prev.head + a * (now.head - prev.head),
  offset: prev.offset + a * (now.offset - prev.offset),
  width: prev.width + a * (now.width - prev.width),
});
/** Counters of one summary window starting at `start`. */
const freshWindow = (start: number) => ({
  start,
  analysed: 0,
  busyMs: 0,
  passes: 0,
  person: 0,
  upper: 0,
  face: 0,
  raised: 0,
});
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/**
 * Body posture from MediaPipe Pose landmarks on sampled frames: out of frame, hand at the face,
 * raised hand, shoulder tilt and posture change against the candidate's own baseline (head height
 * and sideways offset over the shoulders, distance from the camera). Each is an episode with
 * hysteresis in time and value over smoothed measures. Signals: those five kinds (with `phase`
 * start/end, duration, measured angles and ratios, confidence) and a periodic `pose-summary`.
 */
export class PoseAnalyser implements Analyser<'video'> {
  readonly name = 'pose';
  readonly media = 'video' as const;
  readonly emits = [
    'pose-summary',
    'out-of-frame',
    'hand-to-face',
    'raised-hand',
    'shoulder-tilt',
    'posture-change',
  ] as const satisfies readonly SignalKind[];
  #opts: PoseAnalyserOptions;
  #landmarker: PoseLandmarker;

  constructor(opts: Partial<PoseAnalyserOptions> = {}, landmarker = new PoseLandmarker()) {
    this.#opts = withDefaults(defaultPoseAnalyserOptions, opts);
    this.#opts.sampling = samplingOptions(this.#opts.sampling, this.#opts.fps);
    this.#landmarker = landmarker;
  }

  async *analyse(samples: AsyncIterable<VideoSample>, ctx?: AnalyserContext): AsyncIterable<SignalDraft> {
    await this.#landmarker.ready(); // a missing model throws a ModelError: this analyser off, others on
    const o = this.#opts;
    const episodes = KINDS.map((k) => new Episode(k, o));
    const sampler = new FrameSampler(o.sampling, ctx?.activity);
    let smooth: Smoothed | undefined;
    const baseSamples: Smoothed[] = [];
    let baseStart = -1;
    let baseline: Smoothed | undefined;
    let win = freshWindow(-1);
    let tilts: number[] = [];
    for await (const sample of samples) {
      const t = sample.receivedAt;
      if (win.start < 0) win.start = t;
      if (!sampler.take(t)) continue;
      const began = performance.now();
      const frame = sample.rgb();
      const ran = await orSkip(this.#landmarker.landmarks(frame.data, frame.width, frame.height));
      if (!ran) continue; // a model not run this time: frame skipped
      const [body] = ran;
      win.busyMs += performance.now() - began;
      win.analysed++;
      win.passes += body?.passes ?? 0;
      const m = body ? measurePose(body.points, frame.width, frame.height, o.measure) : undefined;
      const upper = m?.upperBody === true ? m : undefined;
      if (upper) {
        const now = {
          tilt: upper.shoulderTiltDeg,
          head: upper.headHeight,
          offset: upper.headOffset,
          width: upper.shoulderWidthShare,
        };
        const a = o.smoothing;
        smooth = smooth ? ema(smooth, now, a) : now;
        if (!baseline) {
          if (baseStart < 0) baseStart = t;
          baseSamples.push(now);
          if (t - baseStart >= o.baselineMs) {
            baseline = {
              tilt: median(baseSamples.map((s) => s.tilt)),
              head: median(baseSamples.map((s) => s.head)),
              offset: median(baseSamples.map((s) => s.offset)),
              width: median(baseSamples.map((s) => s.width)),
            };
          }
        }
        tilts.push(smooth.tilt);
      } else smooth = undefined;
      if (body) win.person++;
      if (upper) win.upper++;
      if (m?.handNearFace) win.face++;
      if (m && (m.raised.left || m.raised.right)) win.raised++;
      const presence = body?.presence ?? 0;
      for (const ep of episodes) {
        const [holds, value] = this.#check(ep, m, smooth, baseline, presence);
        const change = ep.observe(t, holds, value);
        if (change) yield this.#episodeSignal(ep, change, t, baseline);
      }
      if (t - win.start >= o.summaryMs) {
        const counts = sampler.window(t);
        const secs = (t - win.start) / 1000;
        const n = Math.max(1, win.analysed);
        yield {
          kind: 'pose-summary',
          range: { start: win.start, end: t },
          values: {
            analysedFps: round(counts.analysedFps),
            targetFps: round(counts.targetFps),
            framesSeen: counts.seen,
            framesAnalysed: counts.analysed,
            framesSkipped: counts.skipped,
            msPerFrame: round(win.busyMs / n, 1),
            modelRunsPerFrame: round(win.passes / n),
            personShare: round(win.person / n),
            upperBodyShare: round(win.upper / n),
            handToFaceShare: round(win.face / n),
            raisedHandShare: round(win.raised / n),
            ...(tilts.length ? { meanShoulderTiltDeg: round(mean(tilts), 1) } : {}),
            ...(baseline ? { baselineHeadHeight: round(baseline.head) } : {}),
            width: frame.width,
            height: frame.height,
          },
          confidence: 1,
          summary: `pose analysis at ${(win.analysed / secs).toFixed(1)} fps, candidate in view ${Math.round((100 * win.upper) / n)} % of analysed frames`,
        };
        win = freshWindow(t);
        tilts = [];
      }
    }
  }

  /** Whether `ep`'s condition holds in this frame, and the values to report for it. */
  #check(
    ep: Episode<Kind>,
    m: PoseMeasures | undefined,
    s: Smoothed | undefined,
    base: Smoothed | undefined,
    presence: number,
  ): [boolean, Record<string, number>] {
    const o = this.#opts;
    const k = ep.active ? o.releaseScale : 1;
    switch (ep.kind) {
      case 'out-of-frame':
        return [!m?.upperBody, { presence, missing: m ? m.missing.length : 3, closeUp: m?.closeUp ? 1 : 0 }];
      case 'hand-to-face':
        return [m?.handNearFace === true, { presence, handFaceDistance: m?.handFaceDistance ?? 99 }];
      case 'raised-hand':
        return [
          m !== undefined && (m.raised.left || m.raised.right),
          {
            presence,
            left: m?.raised.left ? 1 : 0,
            right: m?.raised.right ? 1 : 0,
            wristAboveShoulder: m?.wristAboveShoulder ?? -99,
          },
        ];
      case 'shoulder-tilt':
        return [s !== undefined && Math.abs(s.tilt) >= o.tiltDeg * k, { presence, tilt: s?.tilt ?? 0 }];
      case 'posture-change': {
        if (!s || !base) return [false, { presence }];
        const dHead = s.head - base.head;
        const dOffset = s.offset - base.offset;
        const ratio = s.width / (base.width || 1);
        const r = 1 + (o.distanceRatio - 1) * k;
        const holds =
          Math.abs(dHead) >= o.headHeightDelta * k ||
          Math.abs(dOffset) >= o.headOffsetDelta * k ||
          ratio >= r ||
          ratio <= 1 / r;
        return [holds, { presence, head: s.head, offset: s.offset, ratio, tilt: s.tilt }];
      }
    }
  }

  #episodeSignal(ep: Episode<Kind>, phase: 'start' | 'end', t: number, base?: Smoothed): SignalDraft {
    const vals = ep.values;
    const of = (key: string) => vals.flatMap((v) => (v[key] === undefined ? [] : [v[key] as number]));
    const common = ep.fields(phase, t);
    const presence = mean(of('presence'));
    const head = {
      range: { start: ep.startedAt, end: t },
      confidence: round(
        Math.min(1, 0.5 + vals.length / 10) * (ep.kind === 'out-of-frame' ? 1 : Math.max(0.5, presence)),
      ),
      summary: `${SUMMARIES[ep.kind]} ${phase === 'start' ? 'since' : 'for'} ${((t - ep.startedAt) / 1000).toFixed(1)} s`,
    };
    switch (ep.kind) {
      case 'out-of-frame':
        return {
          ...head,
          kind: 'out-of-frame',
          values: {
            ...common,
            noPersonShare: round(of('missing').filter((x) => x === 3).length / (vals.length || 1)),
            closeUpShare: round(of('closeUp').filter((x) => x === 1).length / (vals.length || 1)),
          },
        };
      case 'hand-to-face':
        return {
          ...head,
          kind: 'hand-to-face',
          values: { ...common, minHandFaceDistance: round(Math.min(...of('handFaceDistance'))) },
        };
      case 'raised-hand': {
        const left = of('left').some((x) => x > 0);
        const right = of('right').some((x) => x > 0);
        return {
          ...head,
          kind: 'raised-hand',
          values: {
            ...common,
            side: left && right ? 'both' : left ? 'left' : 'right',
            maxWristAboveShoulder: round(Math.max(...of('wristAboveShoulder'))),
          },
        };
      }
      case 'shoulder-tilt': {
        const tilt = mean(of('tilt'));
        return {
          ...head,
          kind: 'shoulder-tilt',
          values: {
            ...common,
            meanShoulderTiltDeg: round(tilt, 1),
            maxShoulderTiltDeg: round(Math.max(...of('tilt').map(Math.abs)), 1),
            lowerSide: tilt > 0 ? 'image-right' : 'image-left',
          },
        };
      }
      case 'posture-change':
        return { ...head, kind: 'posture-change', values: { ...common, ...this.#postureValues(of, base) } };
    }
  }

  /** Head height, offset and distance against the baseline, and what changed. */
  #postureValues(
    of: (key: string) => number[],
    base?: Smoothed,
  ): Partial<Pick<SignalValues<'posture-change'>, 'headHeight' | 'change'>> &
    Omit<SignalValues<'posture-change'>, keyof typeof episodeFields | 'observations'> {
    if (!base) return {};
    const head = mean(of('head'));
    const offset = mean(of('offset'));
    const ratio = mean(of('ratio'));
    const o = this.#opts;
    const changes: string[] = [];
    if (head - base.head <= -o.headHeightDelta * o.releaseScale) changes.push('head-lower');
    if (head - base.head >= o.headHeightDelta * o.releaseScale) changes.push('head-higher');
    if (Math.abs(offset - base.offset) >= o.headOffsetDelta * o.releaseScale)
      changes.push(offset > base.offset ? 'lean-image-right' : 'lean-image-left');
    if (ratio >= 1 + (o.distanceRatio - 1) * o.releaseScale) changes.push('closer');
    if (ratio <= 1 / (1 + (o.distanceRatio - 1) * o.releaseScale)) changes.push('farther');
    return {
      headHeight: round(head),
      baselineHeadHeight: round(base.head),
      headOffset: round(offset),
      baselineHeadOffset: round(base.offset),
      distanceRatio: round(ratio),
      meanShoulderTiltDeg: round(mean(of('tilt')), 1),
      change: changes.join(','),
    };
  }
}
