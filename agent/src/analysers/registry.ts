import { AudioLevelAnalyser } from '../audio/audio-level.js';
import { FrameRateAnalyser } from '../vision/frame-rate.js';
import type { AnalyserFactory } from './analyser.js';

/**
 * The analysers every interview runs, one factory per capability. To add an analyser, write a
 * class implementing {@link Analyser} in its own file and list it here.
 */
export const defaultAnalysers: AnalyserFactory[] = [
  () => new AudioLevelAnalyser(),
  () => new FrameRateAnalyser(),
];
