import type { SignalOf } from '@interview-helper/protocol';
import type { Facts, HintTrigger } from './trigger.js';

/** "12 min" above two minutes, "45 s" below, "no time" when it has run out. */
export function timeLeft(minutes: number): string {
  if (minutes <= 0) return 'no time';
  return minutes >= 2 ? `${Math.round(minutes)} min` : `${Math.round(minutes * 60)} s`;
}

/**
 * The `plan-time` trigger: the plan's time left no longer covers the items not yet asked (a `plan-coverage`
 * signal with `timeShort`). One hint per number of items left.
 */
export function planTimeTrigger(s: SignalOf<'plan-coverage'>): HintTrigger[] {
  const v = s.values;
  if (!v.timeShort || v.itemsLeft === 0) return [];
  return [
    {
      kind: 'plan-time',
      at: s.range.end,
      signalId: s.id,
      evidence: [s.id],
      facts: {
        itemsLeft: v.itemsLeft,
        itemsTotal: v.itemsTotal,
        minutesLeft: v.minutesLeft,
        minutesNeeded: v.minutesNeeded,
        notAsked: v.notAsked,
      },
      confidence: 1,
      dedupeKey: `plan-time@${v.itemsLeft}`,
    },
  ];
}

/** Rule texts of the `plan-time` hint (observable facts: items and minutes). */
export function planTimeTemplate(f: Facts): { minimal: string; normal: string; follow?: string } {
  const left = `${f.itemsLeft} of ${f.itemsTotal} items not yet asked, ${timeLeft(Number(f.minutesLeft))} left`;
  return {
    minimal: `${left}.`,
    normal: `${left} (about ${Math.round(Number(f.minutesNeeded))} min planned for them: ${String(f.notAsked).split(',').join(', ')}).`,
    follow: 'Consider moving on or choosing which items to drop.',
  };
}
