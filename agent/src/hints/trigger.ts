import type { SignalMessage } from '@interview-helper/protocol';
import type { TriggerKind } from './trigger-options.js';

/** Facts a hint may quote: numbers, short strings, flags. */
export type Facts = Record<string, number | string | boolean>;

/** A moment worth an interviewer's attention, with the signals that show it. */
export interface HintTrigger {
  kind: TriggerKind;
  /** When the triggering event happened (ms since epoch). */
  at: number;
  /** The signal that completed the trigger, when there is one. */
  signalId?: string;
  /** Ids of the signals the hint rests on (never empty for signal-based triggers). */
  evidence: string[];
  facts: Facts;
  confidence: number;
  /** Triggers with the same key close together are near-duplicates and merge into one hint. */
  dedupeKey: string;
}

/** What a hint writer produces (rule templates or the LLM). */
export interface HintDraft {
  kind: string;
  /** One text per detail level. */
  text: { minimal: string; normal: string; verbose: string };
  evidence: string[];
  confidence: number;
  source: 'rules' | 'llm';
  /** The model that wrote an LLM draft. */
  model?: string;
  /** When the LLM's first token arrived (LLM drafts). */
  firstTokenAt?: number;
}

/** Short description of a signal for templates and prompts (derived values only, never media). */
export function describeSignal(s: SignalMessage): string {
  return `${s.id} ${s.kind}: ${s.summary}`.slice(0, 300);
}
