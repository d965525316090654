import { type Accommodation, suppressedKinds } from '@interview-helper/protocol';
import type { AnalyserFactory } from '../analysers/analyser.js';

/**
 * The analysers that still have something to do under `accommodations`: an analyser all of whose signal kinds
 * are switched off is not run at all. (The composition root builds lighter variants where an analyser loses only
 * part of its work, e.g. face presence without the gaze models.)
 */
export function withoutSuppressed(
  factories: readonly AnalyserFactory[],
  accommodations: readonly Accommodation[],
): AnalyserFactory[] {
  const off = suppressedKinds(accommodations);
  return factories.filter((make) => !make().emits.every((k) => off.has(k)));
}
