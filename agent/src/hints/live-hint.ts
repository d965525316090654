import type { HintWhy, HintWhyInput } from '@interview-helper/protocol';
import type { CadenceHint, DropReason } from './cadence.js';
import type { HintTiming } from './priorities.js';
import { type MergedPart, RuleHintWriter } from './rules.js';
import type { Facts, HintDraft, HintTrigger } from './trigger.js';

/** Option values of a trigger (its thresholds), as read when it fired. */
export type Thresholds = Record<string, number | boolean>;

/** One trigger of a hint with its timing and what is known of it now. */
export interface HintPart extends MergedPart {
  timing: HintTiming;
  thresholds: Thresholds;
}

/** What a hint's "why" block needs to know about an input id. */
export type InputLookup = (id: string) => HintWhyInput | undefined;

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Speech this long after an answer's end still belongs to it (transcript segments end a little late). */
const ANSWER_END_GRACE_MS = 1000;

/**
 * The facts of `t` as of `now`: a long pause counts the silence up to `now` (from the silence's start: the
 * trigger's time less its threshold), code-idle its idle time.
 */
export function liveFacts(t: HintTrigger, thresholds: Thresholds, now: number, lastSpeechAt: number): Facts {
  const since = Math.max(0, now - t.at);
  switch (t.kind) {
    case 'long-pause': {
      const min = typeof thresholds.minSeconds === 'number' ? thresholds.minSeconds : 0;
      // The trigger is dated at the silence's start + the threshold (the turn model's measure); the last
      // voice-activity tick can trail the speech's end by Silero's hangover, so it only counts when no threshold.
      const start =
        min > 0 ? t.at - min * 1000 : lastSpeechAt > 0 && lastSpeechAt <= t.at ? lastSpeechAt : t.at;
      return { ...t.facts, seconds: Math.max(0, Math.round((now - start) / 1000)) };
    }
    case 'code-idle': {
      const f = t.facts;
      const out: Facts = { ...f };
      if (typeof f.silentSeconds === 'number') out.silentSeconds = Math.round(f.silentSeconds + since / 1000);
      if (typeof f.minutesUnchanged === 'number')
        out.minutesUnchanged = round1(f.minutesUnchanged + since / 60_000);
      return out;
    }
    default:
      return t.facts;
  }
}

/** Whether the candidate spoke after what `t` describes (which ends `untilSpeech` hints). */
export function spokeSince(t: HintTrigger, lastSpeechAt: number): boolean {
  const grace = t.kind === 'answer-end' ? ANSWER_END_GRACE_MS : 0;
  return lastSpeechAt > t.at + grace;
}

const UNIT = String.raw`\s?(?:s|sec|secs|second|seconds|min|mins|minute|minutes)\b`;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with the numbers of `before` that changed in `after` replaced (when followed by a time unit). */
export function refreshNumbers(text: string, before: Facts, after: Facts): string {
  let out = text;
  for (const [key, value] of Object.entries(after)) {
    const old = before[key];
    if (typeof value !== 'number' || typeof old !== 'number' || old === value) continue;
    const variants = [...new Set([String(old), String(Math.round(old))])];
    for (const v of variants)
      out = out.replace(new RegExp(`\\b${escapeRegExp(v)}(?=${UNIT})`, 'g'), String(value));
  }
  return out;
}

/** Facts fit for the protocol's flat records (short strings, short keys). */
function flat(f: Facts): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(f).slice(0, 32))
    out[k.slice(0, 64)] = typeof v === 'string' ? v.slice(0, 256) : v;
  return out;
}

const rules = new RuleHintWriter();

/**
 * A hint from its decision until it is delivered or dropped: its trigger (and related triggers merged
 * into it), the draft written for it, and the facts as of the last check, so that its text is true when
 * it is shown and it is never sent once nothing it says still holds.
 */
export class LiveHint implements CadenceHint {
  readonly id: string;
  readonly decidedAt: number;
  readonly parts: HintPart[];
  /** Written for the first trigger (rules or LLM). */
  draft: HintDraft;
  createdAt: number;
  readonly sentTo = new Set<string>();

  constructor(init: { id: string; decidedAt: number; part: HintPart; draft: HintDraft }) {
    this.id = init.id;
    this.decidedAt = init.decidedAt;
    this.createdAt = init.decidedAt;
    this.parts = [init.part];
    this.draft = init.draft;
  }

  get trigger(): HintTrigger {
    return (this.parts[0] as HintPart).trigger;
  }

  /** The first trigger's kind: what the hint is about. */
  get kind(): string {
    return this.trigger.kind;
  }

  get priority(): number {
    return Math.max(...this.parts.map((p) => p.timing.priority));
  }

  /** The last moment any part is still within its validity window. */
  get validUntil(): number {
    return Math.max(...this.parts.map((p) => p.trigger.at + p.timing.validSeconds * 1000));
  }

  /** Adds a related trigger (its part must be new). */
  merge(part: HintPart): void {
    this.parts.push(part);
  }

  /**
   * Brings the facts up to `now` and returns why the hint may no longer be sent: `expired` once every part's
   * window has passed, `condition-ended` once no part within its window still holds.
   */
  update(now: number, lastSpeechAt: number): DropReason | undefined {
    for (const p of this.parts) {
      if (p.ended) continue;
      if (p.timing.untilSpeech && spokeSince(p.trigger, lastSpeechAt)) p.ended = true;
      else p.facts = liveFacts(p.trigger, p.thresholds, now, lastSpeechAt);
    }
    const inWindow = this.parts.filter((p) => now <= p.trigger.at + p.timing.validSeconds * 1000);
    if (inWindow.length === 0) return 'expired';
    return inWindow.some((p) => !p.ended) ? undefined : 'condition-ended';
  }

  /** The texts, evidence and confidence as of the last {@link update}. */
  current(): HintDraft {
    const first = this.parts[0] as HintPart;
    if (this.parts.length > 1) return rules.writeMerged(this.parts);
    if (this.draft.source === 'rules') return rules.write({ ...first.trigger, facts: first.facts });
    const t = this.draft.text;
    const fix = (s: string) => refreshNumbers(s, first.trigger.facts, first.facts);
    return {
      ...this.draft,
      text: { minimal: fix(t.minimal), normal: fix(t.normal), verbose: fix(t.verbose) },
    };
  }

  /** The "why" block: trigger, inputs with their times, thresholds, source, confidence and timeline. */
  why(draft: HintDraft, lookup: InputLookup, sentAt?: number): HintWhy {
    const first = this.parts[0] as HintPart;
    const inputs: HintWhyInput[] = [];
    const seen = new Set<string>();
    for (const p of this.parts) {
      for (const id of p.trigger.evidence) {
        if (seen.has(id) || inputs.length >= 20) continue;
        seen.add(id);
        inputs.push(lookup(id) ?? { id, kind: p.trigger.kind === 'stuck' ? 'transcript' : 'signal' });
      }
    }
    const ms = (x: number) => Math.max(0, Math.round(x));
    return {
      trigger: first.trigger.kind,
      priority: this.priority,
      inputs,
      facts: flat(first.facts),
      thresholds: flat({
        ...first.thresholds,
        priority: first.timing.priority,
        validSeconds: first.timing.validSeconds,
        untilSpeech: first.timing.untilSpeech,
      }),
      source: draft.source === 'llm' ? (draft.model ?? 'llm') : 'rules',
      confidence: draft.confidence,
      triggerAt: ms(first.trigger.at),
      decidedAt: ms(this.decidedAt),
      ...(sentAt !== undefined ? { sentAt: ms(sentAt) } : {}),
      validUntil: ms(this.validUntil),
      ...(this.parts.length > 1
        ? {
            merged: this.parts
              .slice(1)
              .map((p) => ({ trigger: p.trigger.kind, at: ms(p.trigger.at), facts: flat(p.facts) })),
          }
        : {}),
    };
  }
}
