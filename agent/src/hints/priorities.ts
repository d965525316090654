import type { TriggerKind } from './trigger-options.js';

/** Priorities of hints: a higher one is never held behind a lower one. */
export const PRIORITY = { high: 3, medium: 2, low: 1 } as const;

/** When a hint of one trigger kind may still be delivered, and how urgent it is. */
export interface HintTiming {
  /** 3 high, 2 medium, 1 low: a hint preempts the cadence after a hint of lower priority. */
  priority: number;
  /** The hint is dropped, never sent, this many seconds after its trigger moment. */
  validSeconds: number;
  /** The hint is dropped as soon as the candidate speaks again after its trigger moment. */
  untilSpeech: boolean;
}

/** Timing of every trigger kind (overridable per session with the trigger settings). */
export type HintTimingTable = Record<TriggerKind, HintTiming>;

/**
 * Defaults an interviewer would pick: the candidate silent or stuck after a question, a clarification request
 * and another person in view come first and are useful only at the moment; attention and code-pad signals
 * next; follow-up suggestions and delivery remarks last, and they keep longer.
 */
export const defaultHintTiming: HintTimingTable = {
  // True only while the silence lasts; the seconds are counted again at delivery.
  'long-pause': { priority: PRIORITY.high, validSeconds: 20, untilSpeech: true },
  // The interviewer answers a clarification request within seconds or not at all.
  stuck: { priority: PRIORITY.high, validSeconds: 12, untilSpeech: false },
  // An episode: another face or participant; about 10 s until the next observation would say it again.
  'extra-person': { priority: PRIORITY.high, validSeconds: 10, untilSpeech: false },
  'look-away': { priority: PRIORITY.medium, validSeconds: 15, untilSpeech: false },
  // "Silent for N s while the code is unchanged" is false once the candidate talks.
  'code-idle': { priority: PRIORITY.medium, validSeconds: 30, untilSpeech: true },
  // A follow-up fits before the next question; once the candidate goes on, the answer has not ended.
  'answer-end': { priority: PRIORITY.low, validSeconds: 20, untilSpeech: true },
  'fast-speech': { priority: PRIORITY.low, validSeconds: 30, untilSpeech: false },
  monotone: { priority: PRIORITY.low, validSeconds: 60, untilSpeech: false },
  'code-review': { priority: PRIORITY.low, validSeconds: 60, untilSpeech: false },
  // Worth asking while the candidate is still on that code and that claim.
  'code-claim': { priority: PRIORITY.medium, validSeconds: 30, untilSpeech: false },
  // Items left against the clock: true until the next item is asked; a minute is enough to act on it.
  'plan-time': { priority: PRIORITY.medium, validSeconds: 60, untilSpeech: false },
};

/** Keys of a trigger's settings that set its timing rather than its thresholds. */
export const TIMING_KEYS = ['priority', 'validSeconds', 'untilSpeech'] as const;

/**
 * Trigger kinds that describe one moment together: a clarification request during or just before a long
 * pause is one hint, not two.
 */
export const RELATED_TRIGGERS: readonly (readonly [TriggerKind, TriggerKind])[] = [['long-pause', 'stuck']];

/** Whether triggers of kinds `a` and `b` merge into one hint when close together. */
export function related(a: string, b: string): boolean {
  return RELATED_TRIGGERS.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}

/**
 * Splits trigger settings (`{ 'long-pause': { minSeconds: 5, priority: 2 } }`) into threshold overrides and
 * timing overrides, and applies the timing ones to a copy of `base`. Unknown timing keys never occur: only
 * {@link TIMING_KEYS} are taken out; values of the wrong type are listed in `ignored`.
 */
export function splitTimingOverrides(
  base: HintTimingTable,
  overrides: Record<string, Record<string, boolean | number>>,
): {
  timing: HintTimingTable;
  triggers: Record<string, Record<string, boolean | number>>;
  ignored: string[];
} {
  const timing = structuredClone(base);
  const triggers: Record<string, Record<string, boolean | number>> = {};
  const ignored: string[] = [];
  for (const [kind, values] of Object.entries(overrides)) {
    const rest: Record<string, boolean | number> = {};
    const target = (timing as Record<string, HintTiming | undefined>)[kind];
    for (const [key, value] of Object.entries(values)) {
      if (!(TIMING_KEYS as readonly string[]).includes(key)) {
        rest[key] = value;
        continue;
      }
      const ok =
        target !== undefined &&
        (key === 'untilSpeech'
          ? typeof value === 'boolean'
          : typeof value === 'number' &&
            Number.isFinite(value) &&
            value >= 0 &&
            (key !== 'priority' || (Number.isInteger(value) && value <= 10)));
      if (ok && target) (target as unknown as Record<string, boolean | number>)[key] = value;
      else ignored.push(`${kind}.${key}`);
    }
    triggers[kind] = rest;
  }
  return { timing, triggers, ignored };
}
