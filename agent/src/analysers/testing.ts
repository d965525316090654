import type { SignalKind } from '@interview-helper/protocol';
import type { AnalyserContext, MediaKind, SignalDraft } from './analyser.js';
import { checkDraft } from './validate.js';

/** An analyser context for unit tests: fixed ids, a clock that returns `now`. */
export function testContext(media: MediaKind = 'audio', now = 0): AnalyserContext {
  return {
    sessionId: 's',
    track: { participantIdentity: 'c', trackSid: `TR_${media}`, media },
    signal: new AbortController().signal,
    now: () => now,
  };
}

/**
 * A signal draft as tests read it: every draft is checked against the signal catalogue (and the emitter's
 * declared kinds, when given) as it is collected, so tests may then read its values by name.
 */
// biome-ignore lint/suspicious/noExplicitAny: tests read values of already validated drafts by name
export type CheckedDraft = Omit<SignalDraft, 'values'> & { values: Record<string, any> };

/**
 * Drains an analyser's signals into an array; fails on any draft that does not match the signal catalogue or
 * is of a kind `emits` does not declare.
 */
export async function collect(
  signals: AsyncIterable<SignalDraft> | Iterable<SignalDraft>,
  emits?: readonly SignalKind[],
): Promise<CheckedDraft[]> {
  const out: CheckedDraft[] = [];
  for await (const d of signals) out.push(checked(d, emits));
  return out;
}

/** Checks one draft against the catalogue (throws with the problem), for tests that do not use {@link collect}. */
export function checked(d: SignalDraft, emits?: readonly SignalKind[]): CheckedDraft {
  const problem = checkDraft(d, emits);
  if (problem) throw new Error(`signal ${d.kind} does not match the catalogue: ${JSON.stringify(problem)}`);
  return d;
}
