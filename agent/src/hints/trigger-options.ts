import type { HintDetail } from '@interview-helper/protocol';

/** Thresholds of every trigger; each can be switched off or tuned per session. */
export interface TriggerOptions {
  /** No candidate speech for `minSeconds` (after a question when one was heard). */
  'long-pause': {
    enabled: boolean;
    minSeconds: number;
    requireQuestion: boolean;
    questionWindowSeconds: number;
  };
  /** The candidate says they are stuck or asks for clarification (from the transcript). */
  stuck: { enabled: boolean };
  /** At least `minEvents` look-away signals within `windowSeconds`. */
  'look-away': { enabled: boolean; minEvents: number; windowSeconds: number };
  /** Another person or face in view, or a second candidate in the room. */
  'extra-person': { enabled: boolean };
  /** Code unchanged for `minutes` while the candidate has been silent for `minSilenceSeconds`. */
  'code-idle': { enabled: boolean; minutes: number; minSilenceSeconds: number };
  /** Speech rate above `wordsPerMinute` (transcript) or `syllablesPerSecond` (delivery analyser). */
  'fast-speech': { enabled: boolean; wordsPerMinute: number; syllablesPerSecond: number };
  /** Pitch variation below `maxPitchSemitones`. */
  monotone: { enabled: boolean; maxPitchSemitones: number };
  /** The candidate stopped after at least `minAnswerSeconds` of speech → a follow-up question. */
  'answer-end': { enabled: boolean; minAnswerSeconds: number };
  /** A code-pad revision with a pattern worth probing (edge case, likely bug). */
  'code-review': { enabled: boolean };
  /** The candidate's claim about their code (complexity, empty input, space) that the code pad contradicts. */
  'code-claim': { enabled: boolean; windowSeconds: number };
  /** The interview plan's time left no longer covers the items not yet asked. */
  'plan-time': { enabled: boolean };
}

export type TriggerKind = keyof TriggerOptions;

export const defaultTriggerOptions: TriggerOptions = {
  'long-pause': { enabled: true, minSeconds: 8, requireQuestion: false, questionWindowSeconds: 60 },
  stuck: { enabled: true },
  'look-away': { enabled: true, minEvents: 3, windowSeconds: 30 },
  'extra-person': { enabled: true },
  'code-idle': { enabled: true, minutes: 3, minSilenceSeconds: 30 },
  'fast-speech': { enabled: true, wordsPerMinute: 190, syllablesPerSecond: 7 },
  monotone: { enabled: true, maxPitchSemitones: 1.5 },
  'answer-end': { enabled: true, minAnswerSeconds: 8 },
  'code-review': { enabled: true },
  'code-claim': { enabled: true, windowSeconds: 120 },
  'plan-time': { enabled: true },
};

export const TRIGGER_KINDS = Object.keys(defaultTriggerOptions) as TriggerKind[];

/** Copies `base`, applying `overrides` (unknown triggers or keys, or values of the wrong type, are listed). */
export function applyTriggerOverrides(
  base: TriggerOptions,
  overrides: Record<string, Record<string, boolean | number>>,
): { options: TriggerOptions; ignored: string[] } {
  const options = structuredClone(base);
  const ignored: string[] = [];
  for (const [trigger, values] of Object.entries(overrides)) {
    const target = (options as unknown as Record<string, Record<string, boolean | number>>)[trigger];
    if (!target) {
      ignored.push(trigger);
      continue;
    }
    for (const [key, value] of Object.entries(values)) {
      const current = target[key];
      const ok =
        typeof current === typeof value &&
        (typeof value !== 'number' || (Number.isFinite(value) && value >= 0));
      if (ok) target[key] = value;
      else ignored.push(`${trigger}.${key}`);
    }
  }
  return { options, ignored };
}

/** Detail levels, for iteration. */
export const DETAILS: readonly HintDetail[] = ['minimal', 'normal', 'verbose'];
