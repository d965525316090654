import type { AnalyserContext, MediaKind, SignalDraft } from './analyser.js';

/** An analyser context for unit tests: fixed ids, a clock that returns `now`. */
export function testContext(media: MediaKind = 'audio', now = 0): AnalyserContext {
  return {
    sessionId: 's',
    track: { participantIdentity: 'c', trackSid: `TR_${media}`, media },
    signal: new AbortController().signal,
    now: () => now,
  };
}

/** Drains an analyser's signals into an array. */
export async function collect(signals: AsyncIterable<SignalDraft>): Promise<SignalDraft[]> {
  const out: SignalDraft[] = [];
  for await (const d of signals) out.push(d);
  return out;
}
