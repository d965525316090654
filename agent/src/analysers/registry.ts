import { AudioLevelAnalyser } from '../audio/audio-level.js';
import { DeliveryAnalyser } from '../audio/delivery.js';
import { PitchAnalyser } from '../audio/pitch.js';
import { VadAnalyser } from '../audio/vad.js';
import { HintsExtension } from '../hints/hints-extension.js';
import type { SessionExtensionFactory } from '../session/extension.js';
import { TranscriptionExtension } from '../transcription/extension.js';
import { FaceAnalyser } from '../vision/face-analyser.js';
import { FrameRateAnalyser } from '../vision/frame-rate.js';
import { PoseAnalyser } from '../vision/pose-analyser.js';
import { frameSamplerOptionsFromEnv } from '../vision/sampler.js';
import type { AnalyserFactory } from './analyser.js';

/**
 * The analysers every interview runs, one factory per capability. To add an analyser, write a
 * class implementing {@link Analyser} in its own file and list it here.
 */
export const defaultAnalysers: AnalyserFactory[] = [
  () => new AudioLevelAnalyser(),
  () => new VadAnalyser(),
  () => new PitchAnalyser(),
  () => new DeliveryAnalyser(),
  () => new FrameRateAnalyser(),
  () => new FaceAnalyser({ sampling: frameSamplerOptionsFromEnv() }),
  // VISION_POSE=off leaves the pose analyser out
  ...(process.env.VISION_POSE === 'off'
    ? []
    : [
        () =>
          new PoseAnalyser({
            sampling: frameSamplerOptionsFromEnv(),
            fps: Number(process.env.VISION_POSE_FPS) || undefined,
          }),
      ]),
];

/**
 * Whole-session capabilities (speech-to-text for both speakers, hints, …), one factory each; see
 * {@link SessionExtension}.
 */
export const defaultExtensions: SessionExtensionFactory[] = [
  () => new HintsExtension(),
  () => new TranscriptionExtension(),
];
