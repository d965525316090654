import { randomUUID } from 'node:crypto';
import {
  type HintDetail,
  type HintMessage,
  type HintWhyInput,
  PROTOCOL_VERSION,
  type SignalMessage,
} from '@interview-helper/protocol';
import type { logger } from '../log.js';
import type { SessionContext } from '../session/extension.js';
import type { Dropped, DropReason, HintCadence } from './cadence.js';
import type { ClaudeHintWriter } from './claude.js';
import { deliverHint } from './delivery.js';
import type { HintLog } from './hint-log.js';
import { type HintPart, LiveHint, liveFacts, type Thresholds } from './live-hint.js';
import { defaultHintTiming, type HintTiming, related } from './priorities.js';
import type { HintContext } from './prompt.js';
import { RuleHintWriter } from './rules.js';
import type { HintTrigger } from './trigger.js';
import { defaultTriggerOptions, type TriggerKind } from './trigger-options.js';

/** Timing options of a {@link HintPipeline}. */
export interface HintPipelineOptions {
  /** Related triggers (see `RELATED_TRIGGERS`) this close in time merge into one hint. */
  relatedWindowMs: number;
  /** Time left of a hint's window kept for the rule fallback and delivery when the LLM writes. */
  llmReserveMs: number;
  /** Below this much time left in the window the LLM is not asked (the rule text goes out at once). */
  minLlmBudgetMs: number;
  /**
   * Longest wait for the LLM on a hint that ends when the candidate speaks (a pause may end any moment:
   * the rule text goes out rather than a late one).
   */
  liveLlmBudgetMs: number;
}

export const defaultHintPipelineOptions: HintPipelineOptions = {
  relatedWindowMs: 10_000,
  llmReserveMs: 500,
  minLlmBudgetMs: 1000,
  liveLlmBudgetMs: 1500,
};

/** What a {@link HintPipeline} works with. */
export interface HintPipelineDeps {
  ctx: SessionContext;
  store: HintLog;
  cadence: HintCadence<LiveHint>;
  llm?: ClaudeHintWriter;
  /** The LLM's view of the session at the time of a trigger. */
  context(): HintContext;
  detailOf(identity: string): HintDetail;
  log: ReturnType<typeof logger>;
  /** Priority and validity of a trigger kind (default: `defaultHintTiming`). */
  timing?(kind: TriggerKind): HintTiming;
  /** The option values of a trigger kind, for the why block and live facts (default: the defaults). */
  thresholds?(kind: TriggerKind): Thresholds;
  /** When the candidate was last heard speaking (0 when never). */
  lastSpeechAt?(): number;
  /** A hint input (signal) by id, for the why block. */
  input?(id: string): HintWhyInput | undefined;
  /** The clock (default `Date.now`). */
  now?(): number;
  /** Interviewers present (default: the publisher's). */
  interviewers?(): string[];
  /** Sends a hint to some interviewers; returns who got it (default: reliable data to each identity). */
  deliver?(variants: (detail: HintDetail) => HintMessage, to: string[]): Promise<string[]>;
  options?: Partial<HintPipelineOptions>;
}

/** A signal as a hint input of the why block. */
export function inputOf(s: SignalMessage): HintWhyInput {
  return {
    id: s.id,
    kind: s.kind,
    start: Math.round(s.range.start),
    at: Math.round(s.range.end),
    values: Object.fromEntries(Object.entries(s.values).slice(0, 16)),
  };
}

/**
 * Trigger → hint, on time: merges near-duplicates and related triggers (a clarification request during a
 * long pause is one hint), writes the hint (LLM first when configured and the trigger's window leaves time,
 * the rule template otherwise or on any failure), stores it with its "why" block and offers it to the
 * cadence. A hint goes out only while it is valid, with its facts counted at delivery; one that is no longer
 * valid is recorded as dropped with the reason, never sent late.
 */
export class HintPipeline {
  #d: HintPipelineDeps;
  #o: HintPipelineOptions;
  #rules = new RuleHintWriter();
  #live = new Map<string, { hint: LiveHint; writing: boolean; stored: Promise<boolean> }>();

  constructor(deps: HintPipelineDeps) {
    this.#d = deps;
    this.#o = { ...defaultHintPipelineOptions, ...deps.options };
  }

  #now = (): number => (this.#d.now ?? Date.now)();
  #lastSpeech = (): number => this.#d.lastSpeechAt?.() ?? 0;
  #interviewers = (): string[] => this.#d.interviewers?.() ?? this.#d.ctx.publisher.interviewers();

  async handle(t: HintTrigger): Promise<void> {
    const { store, cadence, llm, log } = this.#d;
    const now = this.#now();
    const id = `hint_${randomUUID()}`;
    const prior = cadence.claim(t.dedupeKey, id, now);
    if (prior) {
      await store.merge(prior, t.evidence);
      return;
    }
    const part = this.#part(t, now);
    const rel = this.#related(t);
    if (rel) return this.#mergeInto(rel, part, now);

    const hint = new LiveHint({ id, decidedAt: now, part, draft: this.#rules.write(t) });
    const entry = { hint, writing: true, stored: Promise.resolve(false) };
    this.#live.set(id, entry);
    if (llm && hint.update(now, this.#lastSpeech()) === undefined) {
      const live = part.timing.untilSpeech ? this.#o.liveLlmBudgetMs : Number.POSITIVE_INFINITY;
      const budgetMs = Math.min(llm.budgetMs, live, hint.validUntil - now - this.#o.llmReserveMs);
      if (budgetMs >= this.#o.minLlmBudgetMs) {
        try {
          hint.draft = await llm.write(t, this.#d.context(), { budgetMs });
        } catch (err) {
          const code = (err as { code?: string }).code ?? 'api-error';
          log.warn(
            { code, trigger: t.kind, message: (err as Error).message },
            'LLM hint failed; rule hint instead',
          );
        }
      } else {
        log.info({ trigger: t.kind, budgetMs }, 'validity window too short for the LLM; rule hint');
      }
    }
    const at = this.#now();
    hint.createdAt = at;
    entry.writing = false;
    const reason = hint.update(at, this.#lastSpeech());
    const draft = hint.current();
    entry.stored = store.insert({
      id,
      sessionId: this.#d.ctx.sessionId,
      kind: draft.kind,
      text: draft.text.normal,
      evidence: draft.evidence,
      confidence: draft.confidence,
      source: draft.source,
      createdAt: at,
      ...(t.signalId ? { triggerSignalId: t.signalId } : {}),
      triggerAt: t.at,
      decidedAt: now,
      ...(hint.draft.firstTokenAt ? { llmFirstTokenAt: hint.draft.firstTokenAt } : {}),
      why: hint.why(draft, this.#input),
    });
    // Related triggers merged while it was written are counted once the row exists.
    const extra = hint.parts.slice(1);
    if (extra.length > 0)
      void entry.stored.then(async (ok) => {
        for (const p of extra) if (ok) await store.merge(id, p.trigger.evidence);
      });
    if (reason) {
      // Nothing it says still holds (or its window passed while it was written): given to nobody.
      const fate = reason === 'expired' ? 'expired-before-ready' : reason;
      await this.#drop([{ interviewer: '*', hint, reason: fate }], at);
      return;
    }
    const { send, dropped } = cadence.offer(hint, this.#interviewers(), at);
    await Promise.all([this.#drop(dropped, at), this.#send(hint, send)]);
  }

  /**
   * Periodic work: held hints whose interviewer's interval has passed go out if still valid (facts
   * counted now); held hints no longer valid are dropped with their reason.
   */
  async tick(now = this.#now()): Promise<void> {
    const lastSpeech = this.#lastSpeech();
    // Keeps every recent hint's facts current, so that one merged later quotes them as they ended.
    for (const { hint, writing } of this.#live.values()) if (!writing) hint.update(now, lastSpeech);
    const { send, dropped } = this.#d.cadence.due(now, (h, at) => h.update(at, lastSpeech));
    const byHint = new Map<LiveHint, string[]>();
    for (const { interviewer, hint } of send) byHint.set(hint, [...(byHint.get(hint) ?? []), interviewer]);
    await Promise.all([this.#drop(dropped, now), ...[...byHint].map(([h, to]) => this.#send(h, to))]);
    for (const [id, { hint, writing }] of this.#live) {
      if (!writing && now > hint.validUntil + this.#o.relatedWindowMs) this.#live.delete(id);
    }
  }

  #part(t: HintTrigger, now: number): HintPart {
    const timing = (this.#d.timing ?? ((k: TriggerKind) => defaultHintTiming[k]))(t.kind);
    const thresholds =
      this.#d.thresholds?.(t.kind) ?? (defaultTriggerOptions[t.kind] as unknown as Thresholds);
    return {
      trigger: t,
      timing,
      thresholds,
      facts: liveFacts(t, thresholds, now, this.#lastSpeech()),
      ended: false,
    };
  }

  #input = (id: string): HintWhyInput | undefined => this.#d.input?.(id);

  /** A recent hint a trigger of this kind merges into (one part of each kind per hint). */
  #related(t: HintTrigger): { hint: LiveHint; writing: boolean; stored: Promise<boolean> } | undefined {
    for (const entry of this.#live.values()) {
      const parts = entry.hint.parts;
      if (parts.some((p) => p.trigger.kind === t.kind)) continue;
      if (
        parts.some(
          (p) => related(p.trigger.kind, t.kind) && Math.abs(p.trigger.at - t.at) <= this.#o.relatedWindowMs,
        )
      )
        return entry;
    }
    return undefined;
  }

  /**
   * Folds a related trigger into a hint under the hint's id: interviewers who already have it get the
   * updated hint at once (it replaces theirs), the others through the cadence like a new one.
   */
  async #mergeInto(
    entry: { hint: LiveHint; writing: boolean; stored: Promise<boolean> },
    part: HintPart,
    now: number,
  ): Promise<void> {
    const { hint } = entry;
    hint.merge(part);
    this.#d.log.info({ hintId: hint.id, trigger: part.trigger.kind }, 'related trigger merged into hint');
    // While it is being written, the merged part goes out with it.
    if (entry.writing) return;
    if (await entry.stored) await this.#d.store.merge(hint.id, part.trigger.evidence);
    const reason = hint.update(now, this.#lastSpeech());
    if (reason) return;
    const updates = [...hint.sentTo];
    const others = this.#interviewers().filter((who) => !hint.sentTo.has(who));
    const { send, dropped } = this.#d.cadence.offer(hint, others, now);
    await Promise.all([this.#drop(dropped, now), this.#send(hint, [...updates, ...send])]);
  }

  /** Delivers `hint` as of now to `to` (interviewers only); stores what was sent and who got it. */
  async #send(hint: LiveHint, to: string[]): Promise<void> {
    if (to.length === 0) return;
    const { ctx, store, log } = this.#d;
    const at = this.#now();
    const draft = hint.current();
    const why = hint.why(draft, this.#input, at);
    const message = (detail: HintDetail): HintMessage => ({
      v: PROTOCOL_VERSION,
      type: 'hint',
      id: hint.id,
      sessionId: ctx.sessionId,
      kind: draft.kind,
      text: draft.text[detail],
      evidence: draft.evidence.slice(0, 50),
      confidence: draft.confidence,
      source: draft.source,
      createdAt: Math.round(hint.createdAt),
      triggerAt: Math.max(0, Math.round(hint.trigger.at)),
      detail,
      why,
    });
    const deliver =
      this.#d.deliver ?? ((variants, who) => deliverHint(ctx.publisher, variants, who, this.#d.detailOf));
    const sent = await deliver(message, to);
    if (hint.sentTo.size === 0 && sent.length > 0)
      ctx.bus.emit({
        type: 'hint-sent',
        hintId: hint.id,
        trigger: hint.trigger.kind,
        triggerAt: hint.trigger.at,
        sentAt: at,
      });
    for (const who of sent) hint.sentTo.add(who);
    const stored = this.#live.get(hint.id)?.stored ?? Promise.resolve(true);
    if (!(await stored)) {
      log.error({ hintId: hint.id }, 'hint could not be stored (it was still delivered)');
      return;
    }
    if (sent.length === 0) return;
    await store.update(hint.id, {
      text: draft.text.normal,
      evidence: draft.evidence,
      confidence: draft.confidence,
      source: draft.source,
      why,
    });
    await store.delivered(hint.id, sent, at);
  }

  /** Records hints dropped for some interviewers (`*`: for everyone), with the reason. */
  async #drop(dropped: Dropped<LiveHint>[], at: number): Promise<void> {
    const byHint = new Map<LiveHint, { identity: string; reason: DropReason | string; at: number }[]>();
    for (const d of dropped) {
      byHint.set(d.hint, [...(byHint.get(d.hint) ?? []), { identity: d.interviewer, reason: d.reason, at }]);
    }
    await Promise.all(
      [...byHint].map(async ([hint, drops]) => {
        this.#d.log.info(
          { hintId: hint.id, kind: hint.trigger.kind, drops: drops.map((x) => `${x.identity}:${x.reason}`) },
          'hint dropped',
        );
        const stored = this.#live.get(hint.id)?.stored;
        if (!stored || (await stored)) await this.#d.store.dropped(hint.id, drops);
      }),
    );
  }
}
