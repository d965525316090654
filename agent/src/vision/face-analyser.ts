import type { SignalKind } from '@interview-helper/protocol';
import type { Analyser, AnalyserContext, SignalDraft, VideoSample } from '../analysers/analyser.js';
import { withDefaults } from '../options.js';
import { type FaceEpisodeOptions, FaceEpisodes } from './face-episodes.js';
import { type FaceObserver, FacePipeline } from './face-pipeline.js';
import { orSkip } from './onnx-sessions.js';
import { FrameSampler, type FrameSamplerOptions, samplingOptions } from './sampler.js';

/** Options of {@link FaceAnalyser}. */
export interface FaceAnalyserOptions extends Partial<FaceEpisodeOptions> {
  /** A fixed analysed rate (frames per second) for speaking and idle alike; overrides `sampling`'s rates. */
  fps?: number;
  /** Adaptive frame sampling (speaking / idle rates, CPU load); see {@link FrameSampler}. */
  sampling: Partial<FrameSamplerOptions>;
  /** Summary window for analysed fps, skipped frames and the look-away share. */
  summaryMs: number;
  /**
   * Whether gaze, eye contact, head pose and eyes are analysed (default). False (the gaze accommodation): face
   * presence only, as the `face-presence` analyser: BlazeFace alone (give it a {@link FacePipeline} without the
   * landmark and iris stages), `no-face` and `additional-person` episodes, no `face-summary`.
   */
  eyes?: boolean;
}

export const defaultFaceAnalyserOptions: FaceAnalyserOptions = {
  sampling: {},
  summaryMs: 10_000,
  eyes: true,
};

/**
 * Face presence, additional people, eye contact / look-away and eyes-closed episodes from
 * BlazeFace, Face Mesh and Iris on sampled frames of the candidate's camera (see
 * {@link FacePipeline} for the models, {@link FaceEpisodes} for the rules and hysteresis and
 * {@link FrameSampler} for the adaptive rate: faster while the candidate speaks, slower under CPU
 * load). Signals: `no-face`, `additional-person`, `look-away`, `eyes-closed` (each with `phase`
 * start/end, duration and measured values) and a periodic `face-summary` (analysed and target
 * fps, seen/skipped frames, cost per frame, shares, mean angles, frame size).
 */
export class FaceAnalyser implements Analyser<'video'> {
  readonly name: 'face' | 'face-presence';
  readonly media = 'video' as const;
  readonly emits: readonly SignalKind[];
  #opts: FaceAnalyserOptions;
  #pipeline: FaceObserver;
  #eyes: boolean;

  constructor(opts: Partial<FaceAnalyserOptions> = {}, pipeline: FaceObserver = new FacePipeline()) {
    this.#opts = withDefaults(defaultFaceAnalyserOptions, opts);
    this.#opts.sampling = samplingOptions(this.#opts.sampling, this.#opts.fps);
    this.#pipeline = pipeline;
    this.#eyes = this.#opts.eyes !== false;
    this.name = this.#eyes ? 'face' : 'face-presence';
    this.emits = this.#eyes
      ? ['face-summary', 'look-away', 'no-face', 'additional-person', 'eyes-closed']
      : ['no-face', 'additional-person'];
  }

  async *analyse(samples: AsyncIterable<VideoSample>, ctx?: AnalyserContext): AsyncIterable<SignalDraft> {
    // a missing BlazeFace throws a ModelError: this analyser off, others on; a missing landmark or
    // iris model only drops that stage (look-away then falls back to head pose or the nose offset)
    await this.#pipeline.ready();
    const sampler = new FrameSampler(this.#opts.sampling, ctx?.activity);
    const episodes = new FaceEpisodes({ ...this.#opts, eyes: this.#eyes });
    let windowStart = -1;
    let busyMs = 0;
    let analysed = 0;
    for await (const sample of samples) {
      const t = sample.receivedAt;
      if (windowStart < 0) windowStart = t;
      if (sampler.take(t)) {
        const frame = sample.rgb();
        const ran = await orSkip(this.#pipeline.run(frame)); // a model not run this time: frame skipped
        if (ran) {
          const [obs] = ran;
          busyMs += obs.busyMs;
          analysed++;
          const changes = episodes.observe(t, obs, { startedAt: ctx?.activity?.answerStartedAt });
          // an episode about to start or end is decided by the first frame at its time, not the rate's next one
          sampler.lookAt(episodes.nextDecisionAt());
          yield* changes;
        }
      }
      if (this.#eyes && t - windowStart >= this.#opts.summaryMs) {
        const counts = sampler.window(t);
        yield {
          kind: 'face-summary',
          range: { start: windowStart, end: t },
          values: {
            analysedFps: round(counts.analysedFps, 2),
            targetFps: round(counts.targetFps, 2),
            framesSeen: counts.seen,
            framesAnalysed: counts.analysed,
            framesSkipped: counts.skipped,
            framesCloser: counts.closer,
            msPerFrame: round(busyMs / Math.max(1, analysed), 1),
            ...episodes.summary(),
            width: sample.width,
            height: sample.height,
          },
          confidence: 1,
          summary: `face analysis at ${counts.analysedFps.toFixed(1)} fps, ${counts.skipped} frames skipped`,
        };
        windowStart = t;
        busyMs = analysed = 0;
      }
    }
  }
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
