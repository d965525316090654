import { randomUUID } from 'node:crypto';
import type { HintDetail, HintMessage } from '@interview-helper/protocol';
import { PROTOCOL_VERSION } from '@interview-helper/protocol';
import type { logger } from '../log.js';
import type { SessionContext } from '../session/extension.js';
import type { HintCadence } from './cadence.js';
import type { ClaudeHintWriter } from './claude.js';
import { deliverHint } from './delivery.js';
import type { HintLog } from './hint-log.js';
import type { HintContext } from './prompt.js';
import { RuleHintWriter } from './rules.js';
import type { HintDraft, HintTrigger } from './trigger.js';

/** A hint that passed the dedupe check, ready for delivery. */
export interface ReadyHint {
  id: string;
  draft: HintDraft;
  trigger: HintTrigger;
  createdAt: number;
}

/** What a {@link HintPipeline} works with. */
export interface HintPipelineDeps {
  ctx: SessionContext;
  store: HintLog;
  cadence: HintCadence<ReadyHint>;
  llm?: ClaudeHintWriter;
  /** The LLM's view of the session at the time of a trigger. */
  context(): HintContext;
  detailOf(identity: string): HintDetail;
  log: ReturnType<typeof logger>;
}

/**
 * Trigger → hint: merges near-duplicates, writes the hint (LLM first when configured, the rule template
 * on any failure, so a trigger is never lost), stores it with its timeline and delivers it to the
 * interviewers the cadence allows (the others get it when their interval has passed).
 */
export class HintPipeline {
  #d: HintPipelineDeps;
  #rules = new RuleHintWriter();

  constructor(deps: HintPipelineDeps) {
    this.#d = deps;
  }

  async handle(t: HintTrigger): Promise<void> {
    const { ctx, store, cadence, llm, log } = this.#d;
    const decidedAt = Date.now();
    const id = `hint_${randomUUID()}`;
    const prior = cadence.claim(t.dedupeKey, id, decidedAt);
    if (prior) {
      await store.merge(prior, t.evidence);
      return;
    }
    let draft = this.#rules.write(t);
    if (llm) {
      try {
        draft = await llm.write(t, this.#d.context());
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'api-error';
        log.warn(
          { code, trigger: t.kind, message: (err as Error).message },
          'LLM hint failed; rule hint instead',
        );
      }
    }
    const hint: ReadyHint = { id, draft, trigger: t, createdAt: Date.now() };
    // Store and deliver at the same time; the delivery is recorded once the row exists.
    const stored = store.insert({
      id,
      sessionId: ctx.sessionId,
      kind: draft.kind,
      text: draft.text.normal,
      evidence: draft.evidence,
      confidence: draft.confidence,
      source: draft.source,
      createdAt: hint.createdAt,
      ...(t.signalId ? { triggerSignalId: t.signalId } : {}),
      triggerAt: t.at,
      decidedAt,
      ...(draft.firstTokenAt ? { llmFirstTokenAt: draft.firstTokenAt } : {}),
    });
    await this.send(hint, cadence.offer(hint, ctx.publisher.interviewers(), Date.now()), stored);
  }

  /** Delivers `hint` to `to` (interviewers only) and records who got it. */
  async send(hint: ReadyHint, to: string[], stored: Promise<boolean> = Promise.resolve(true)): Promise<void> {
    const { ctx, store, log } = this.#d;
    const message = (detail: HintDetail): HintMessage => ({
      v: PROTOCOL_VERSION,
      type: 'hint',
      id: hint.id,
      sessionId: ctx.sessionId,
      kind: hint.draft.kind,
      text: hint.draft.text[detail],
      evidence: hint.draft.evidence.slice(0, 50),
      confidence: hint.draft.confidence,
      source: hint.draft.source,
      createdAt: hint.createdAt,
      triggerAt: Math.max(0, Math.round(hint.trigger.at)),
      detail,
    });
    const sent =
      to.length > 0 ? await deliverHint(ctx.room, ctx.publisher, message, to, this.#d.detailOf) : [];
    const at = Date.now();
    if (!(await stored)) {
      log.error({ hintId: hint.id }, 'hint could not be stored (it was still delivered)');
      return;
    }
    if (sent.length > 0) await store.delivered(hint.id, sent, at);
  }
}
