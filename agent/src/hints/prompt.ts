import type { SignalMessage } from '@interview-helper/protocol';
import type { HintTrigger } from './trigger.js';

/**
 * The static prefix of every request (cached with `cache_control`): the role, the behaviour-not-emotion
 * rule and the output contract. Kept free of session data so that it is identical across calls.
 */
export const SYSTEM_PROMPT = `You assist a human interviewer during a live technical interview. You write one short hint for the interviewer, never for the candidate.

Rules:
- Describe only observable behaviour and facts from the evidence: silences and their length, speech rate, where the candidate looked, what they said, what the code does. Never name or guess what the candidate feels or what kind of person they are, and never judge them.
- Ground every hint in the evidence you are given and cite the ids of the signals you used in "evidence". Use only ids from the input.
- Suggest what the interviewer could do next (a clarifying question, a follow-up question, an edge case to probe). Never write an answer or a solution the interviewer could pass on to the candidate.
- Keep "text" under 240 characters and "short" under 80 characters. Plain text, no markdown.
- "confidence" is how well the evidence supports the hint, from 0 to 1.
Always answer by calling the give_hint tool exactly once.`;

/** Static prefix of the session-summary request. */
export const SUMMARY_PROMPT = `You summarise a finished technical interview for the interviewers, from its metrics, hints, timeline of observations and transcript.
Describe only observable behaviour and what was said or written; never name or guess what the candidate feels or what kind of person they are, and do not rate them. At most 6 sentences, plain text.`;

/** The structured output: the give_hint tool's input schema. */
export const HINT_TOOL = {
  name: 'give_hint',
  description: 'Give the interviewer one short, evidence-based hint.',
  input_schema: {
    type: 'object' as const,
    properties: {
      kind: { type: 'string', description: 'The trigger kind the hint answers.' },
      text: { type: 'string', description: 'The hint, under 240 characters.' },
      short: { type: 'string', description: 'A minimal version, under 80 characters.' },
      evidence: { type: 'array', items: { type: 'string' }, description: 'Ids of the signals used.' },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
    },
    required: ['kind', 'text', 'short', 'evidence', 'confidence'],
  },
};

/** What the LLM sees of a session: derived signals, transcript text and code; never media. */
export interface HintContext {
  signals: SignalMessage[];
  transcript: { role: string; text: string; at: number }[];
  code?: { language: string; revision: number; text: string };
}

/** Largest code excerpt sent, in characters. */
export const MAX_PROMPT_CODE_CHARS = 12_000;

/** The per-call user message: the trigger, recent evidence, transcript and code, as JSON. */
export function userPrompt(t: HintTrigger, ctx: HintContext): string {
  const signals = ctx.signals.slice(-20).map((s) => ({
    id: s.id,
    kind: s.kind,
    analyser: s.analyser,
    start: s.range.start,
    end: s.range.end,
    values: s.values,
    summary: s.summary,
  }));
  const code = ctx.code
    ? {
        language: ctx.code.language,
        revision: ctx.code.revision,
        text: ctx.code.text.slice(0, MAX_PROMPT_CODE_CHARS),
      }
    : undefined;
  return JSON.stringify({
    trigger: { kind: t.kind, at: t.at, facts: t.facts, evidence: t.evidence },
    signals,
    transcript: ctx.transcript.slice(-12),
    ...(code ? { code } : {}),
  });
}
