import { SIGNAL_VALUES, type SignalKind } from '@interview-helper/protocol';
import type { SignalDraft } from './analyser.js';

/** Why a signal draft was refused. */
export type DraftProblem =
  | { code: 'unknown-kind'; kind: string }
  | { code: 'not-declared'; kind: string }
  | { code: 'invalid-values'; kind: string; issues: string[] };

/**
 * Checks a draft against the signal catalogue: a known kind, declared by its emitter (`emits`, when given),
 * with values of that kind's schema and nothing else. Returns undefined when the draft is valid.
 */
export function checkDraft(draft: SignalDraft, emits?: readonly SignalKind[]): DraftProblem | undefined {
  const kind = draft.kind as string;
  if (!Object.hasOwn(SIGNAL_VALUES, kind)) return { code: 'unknown-kind', kind };
  if (emits && !emits.includes(draft.kind)) return { code: 'not-declared', kind };
  const parsed = SIGNAL_VALUES[draft.kind].safeParse(draft.values);
  if (parsed.success) return undefined;
  return {
    code: 'invalid-values',
    kind,
    issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(values)'}: ${i.message}`),
  };
}
