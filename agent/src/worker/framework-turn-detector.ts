import { InferenceRunner } from '@livekit/agents';
import { logger } from '../log.js';

/** The inference method under which agents-js registers its local audio end-of-turn model. */
export const FRAMEWORK_EOT_METHOD = 'lk_eot_audio';

/**
 * Keeps agents-js from starting its inference process for a model this agent never uses.
 *
 * agents-js 1.9 registers its local audio end-of-turn model whenever the `@livekit/local-inference`
 * binding loads, and a worker with any registered runner forks an inference process at start
 * (`inference_proc_lazy_main`, ~300 MB resident, idle for the worker's life). The agent runs no
 * `AgentSession` and no framework turn detection: turns come from its own turn model. The method is
 * marked as taken with a non-enumerable entry, which the framework's "already registered?" check
 * sees and its "any runners?" count (`Object.keys`) does not. Call before the worker is created.
 * Returns whether the entry is in place.
 */
export function skipFrameworkTurnDetector(): boolean {
  const runners = InferenceRunner.registeredRunners as Record<string, string> | undefined;
  if (!runners || typeof runners !== 'object') return false;
  if (Object.keys(runners).includes(FRAMEWORK_EOT_METHOD)) return false; // someone uses it: keep it
  if (!(FRAMEWORK_EOT_METHOD in runners)) {
    try {
      Object.defineProperty(runners, FRAMEWORK_EOT_METHOD, { value: 'unused', enumerable: false });
    } catch (err) {
      logger('worker').warn({ err }, 'could not keep the framework from loading its end-of-turn model');
      return false;
    }
  }
  return true;
}
