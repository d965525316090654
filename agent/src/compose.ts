import type { Accommodation } from '@interview-helper/protocol';
import type { AnalyserFactory } from './analysers/analyser.js';
import { AudioLevelAnalyser } from './audio/audio-level.js';
import { DeliveryAnalyser } from './audio/delivery.js';
import { PitchAnalyser } from './audio/pitch.js';
import { VadAnalyser } from './audio/vad.js';
import { ClaudeConductReviewer } from './conduct/claude-review.js';
import { ConductExtension } from './conduct/conduct-extension.js';
import type { AgentConfig } from './config.js';
import { ClaudeHintWriter } from './hints/claude.js';
import { HintsExtension } from './hints/hints-extension.js';
import type { InferenceClient } from './inference/client.js';
import { SharedFacePipeline } from './inference/shared-face-pipeline.js';
import { jobRoomCloser, SessionLifecycle } from './lifecycle/session-lifecycle.js';
import { ClaudePlanMatcher, FallbackMatcher } from './plan/claude-matcher.js';
import { KeywordMatcher } from './plan/matcher.js';
import { PlanExtension } from './plan/plan-extension.js';
import { AudioGapExtension } from './session/audio-gaps.js';
import type { SessionExtensionFactory } from './session/extension.js';
import { StorageHealthExtension } from './session/recorder-health.js';
import { TranscriptionExtension } from './transcription/extension.js';
import { FaceAnalyser } from './vision/face-analyser.js';
import { FaceDetector } from './vision/face-detector.js';
import { FaceLandmarker } from './vision/face-landmarks.js';
import { FacePipeline } from './vision/face-pipeline.js';
import { FrameRateAnalyser } from './vision/frame-rate.js';
import { IrisLandmarker } from './vision/iris.js';
import { PoseAnalyser } from './vision/pose-analyser.js';
import { PoseDetector } from './vision/pose-detector.js';
import { PoseLandmarker } from './vision/pose-landmarks.js';

/** What every interview of this process runs: media analysers and whole-session extensions. */
export interface Composition {
  /** One factory per analyser; each candidate track gets fresh instances. */
  analysers: AnalyserFactory[];
  /**
   * The analysers of a candidate with accommodations: those whose work is switched off are not run at all
   * (pitch and delivery under `delivery-pace`, pose under `posture`), the face analyser runs BlazeFace alone
   * under `gaze` (no Face Mesh or Iris pass).
   */
  accommodate(accommodations: readonly Accommodation[]): AnalyserFactory[];
  /** One factory per session extension (speech-to-text for both speakers, hints, …). */
  extensions: SessionExtensionFactory[];
}

/**
 * The analysers and session extensions of every interview, configured from `config`. To add an
 * analyser, write a class implementing {@link Analyser} in its own file and list its factory here.
 * `inference`: the client of the worker's shared inference service, when the models run there.
 */
export function composeInterview(config: AgentConfig, inference?: InferenceClient): Composition {
  const { audio, hints } = config;
  const anthropic = hints.anthropic;
  const extensions: SessionExtensionFactory[] = [
    () =>
      new HintsExtension({
        cadence: { minIntervalMs: hints.minIntervalMs },
        triggerOverrides: hints.triggers,
        databaseUrl: config.databaseUrl,
        llm: anthropic
          ? new ClaudeHintWriter({
              apiKey: anthropic.apiKey,
              baseURL: anthropic.baseURL,
              model: hints.model,
              budgetMs: hints.llmBudgetMs,
            })
          : undefined,
      }),
    () => new TranscriptionExtension({ settings: audio, databaseUrl: config.databaseUrl }),
    () => new StorageHealthExtension(),
    () => new AudioGapExtension(),
    () =>
      new SessionLifecycle({
        idleEndMs: config.session.idleEndMinutes * 60_000,
        closeRoom: jobRoomCloser(),
      }),
    () =>
      new PlanExtension({
        matcher:
          config.plan.matcher === 'llm' && anthropic
            ? new FallbackMatcher(
                new ClaudePlanMatcher({
                  ...anthropic,
                  model: hints.model,
                  budgetMs: config.plan.llmBudgetMs,
                }),
                new KeywordMatcher(),
              )
            : new KeywordMatcher(),
      }),
  ];
  if (config.conduct.enabled)
    extensions.push(
      () =>
        new ConductExtension({
          llm: anthropic ? new ClaudeConductReviewer({ ...anthropic, model: hints.model }) : undefined,
        }),
    );
  return {
    analysers: analyserFactories(config, new Set(), inference),
    accommodate: (accommodations) => analyserFactories(config, new Set(accommodations), inference),
    extensions,
  };
}

/** The candidate's analysers, without the work `off` switches off. */
function analyserFactories(
  config: AgentConfig,
  off: ReadonlySet<Accommodation>,
  inference: InferenceClient | undefined,
): AnalyserFactory[] {
  const { vision } = config;
  const session = { dir: vision.modelsDir };
  const delivery = !off.has('delivery-pace');
  const eyes = !off.has('gaze');
  const analysers: AnalyserFactory[] = [
    () => new AudioLevelAnalyser(),
    () => new VadAnalyser(),
    ...(delivery ? [() => new PitchAnalyser(), () => new DeliveryAnalyser()] : []),
    () => new FrameRateAnalyser(),
    () => {
      const pipeline = new FacePipeline(
        {},
        new FaceDetector({ session }),
        eyes ? new FaceLandmarker({ session }) : null,
        eyes ? new IrisLandmarker({ session }) : null,
      );
      // with the shared service: one request per analysed frame rather than one per model
      return new FaceAnalyser(
        { sampling: vision.sampling, eyes },
        inference ? new SharedFacePipeline(inference, pipeline) : pipeline,
      );
    },
  ];
  if (vision.pose && !off.has('posture')) {
    analysers.push(
      () =>
        new PoseAnalyser(
          { sampling: vision.sampling, fps: vision.poseFps },
          new PoseLandmarker({ session }, new PoseDetector({ session })),
        ),
    );
  }
  return analysers;
}
