import Anthropic from '@anthropic-ai/sdk';
import type { InterviewPlan } from '@interview-helper/protocol';
import { z } from 'zod';
import { logger } from '../log.js';
import type { PlanMatch, PlanMatcher } from './matcher.js';

/** Options of {@link ClaudePlanMatcher}. */
export interface ClaudePlanMatcherOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  /** Whole time allowed for one match (retries included); past it the call fails and the caller falls back. */
  budgetMs: number;
  maxRetries: number;
  /** Failures in a row that open the circuit, and how long it stays open. */
  breakerFailures: number;
  breakerOpenMs: number;
}

export const defaultClaudePlanMatcherOptions = {
  model: 'claude-haiku-4-5',
  budgetMs: 4000,
  maxRetries: 1,
  breakerFailures: 3,
  breakerOpenMs: 30_000,
} satisfies Partial<ClaudePlanMatcherOptions>;

/** Why the LLM gave no match; the deterministic matcher answers instead. */
export class PlanMatchError extends Error {
  constructor(
    readonly code: 'circuit-open' | 'timeout' | 'api-error' | 'malformed' | 'unknown-item',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PlanMatchError';
  }
}

/** The static prefix of every request (cached). */
export const MATCH_SYSTEM_PROMPT = `You follow a live job interview for the interviewers. You get the interview plan (items, each a question on a competency) and one thing the interviewer just said, with the few utterances before it.
Decide whether the interviewer is now asking one of the plan's items: the question itself, a paraphrase of it, or a request that clearly starts that item. A remark that only mentions the topic, an acknowledgement, small talk or a question on something outside the plan is no item.
Answer by calling match_plan_item exactly once: "itemId" is the id of the item being asked, or null; "confidence" is 0 to 1.`;

/** The structured output: the tool's input schema. */
export const MATCH_TOOL = {
  name: 'match_plan_item',
  description: 'Say which plan item the interviewer is asking, if any.',
  input_schema: {
    type: 'object' as const,
    properties: {
      itemId: { type: ['string', 'null'], description: 'Id of the plan item being asked, or null.' },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
    },
    required: ['itemId', 'confidence'],
  },
};

const outputSchema = z.strictObject({
  itemId: z.string().min(1).max(48).nullable(),
  confidence: z.number().min(0).max(1),
});

/**
 * Plan matching with Claude through the official SDK: one forced `match_plan_item` tool call per interviewer
 * utterance, validated with zod (the id must be one of the plan's), the static prefix cached, bounded by a budget
 * and a small circuit breaker. Sends only the plan and transcript text. Any failure throws a
 * {@link PlanMatchError}; use it through {@link FallbackMatcher} so the deterministic path answers then.
 */
export class ClaudePlanMatcher implements PlanMatcher {
  #o: ClaudePlanMatcherOptions;
  #client: Anthropic;
  #failures = 0;
  #openUntil = 0;

  constructor(opts: Pick<ClaudePlanMatcherOptions, 'apiKey'> & Partial<ClaudePlanMatcherOptions>) {
    this.#o = { ...defaultClaudePlanMatcherOptions, ...opts };
    this.#client = new Anthropic({
      apiKey: this.#o.apiKey,
      ...(this.#o.baseURL ? { baseURL: this.#o.baseURL } : {}),
      maxRetries: this.#o.maxRetries,
    });
  }

  async match(utterance: string, plan: InterviewPlan, context?: { recent: string[] }): Promise<PlanMatch> {
    if (Date.now() < this.#openUntil)
      throw new PlanMatchError('circuit-open', 'plan matcher circuit is open');
    try {
      const m = await this.#call(utterance, plan, context?.recent ?? []);
      this.#failures = 0;
      return m;
    } catch (err) {
      if (++this.#failures >= this.#o.breakerFailures) this.#openUntil = Date.now() + this.#o.breakerOpenMs;
      throw err instanceof PlanMatchError
        ? err
        : new PlanMatchError('api-error', (err as Error).message, { cause: err });
    }
  }

  async #call(utterance: string, plan: InterviewPlan, recent: string[]): Promise<PlanMatch> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.#o.budgetMs);
    try {
      const message = await this.#client.messages.create(
        {
          model: this.#o.model,
          max_tokens: 100,
          system: [{ type: 'text', text: MATCH_SYSTEM_PROMPT, cache_control: { type: 'ephemeral' } }],
          tools: [{ ...MATCH_TOOL, cache_control: { type: 'ephemeral' } }],
          tool_choice: { type: 'tool', name: MATCH_TOOL.name },
          messages: [
            {
              role: 'user',
              content: JSON.stringify({
                plan: plan.items.map((i) => ({
                  id: i.id,
                  competency: i.competency,
                  question: i.question,
                  keywords: i.keywords,
                })),
                before: recent.slice(-3),
                interviewer: utterance.slice(0, 2000),
              }),
            },
          ],
        },
        { signal: abort.signal },
      );
      const block = message.content.find((b) => b.type === 'tool_use' && b.name === MATCH_TOOL.name);
      if (block?.type !== 'tool_use') throw new PlanMatchError('malformed', 'no match_plan_item tool call');
      const parsed = outputSchema.safeParse(block.input);
      if (!parsed.success)
        throw new PlanMatchError(
          'malformed',
          `tool input outside the schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      const { itemId, confidence } = parsed.data;
      if (itemId !== null && !plan.items.some((i) => i.id === itemId))
        throw new PlanMatchError('unknown-item', `"${itemId}" is not an item of the plan`);
      return { itemId, score: confidence, source: 'llm' };
    } catch (err) {
      if (err instanceof PlanMatchError) throw err;
      if (abort.signal.aborted) throw new PlanMatchError('timeout', `no match within ${this.#o.budgetMs} ms`);
      throw new PlanMatchError('api-error', (err as Error).message, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The LLM matcher first, the deterministic one whenever it fails (error, timeout, output outside the schema, an
 * unknown item, open circuit). `onFallback` sees each failure (for the log).
 */
export class FallbackMatcher implements PlanMatcher {
  #primary: PlanMatcher;
  #fallback: PlanMatcher;
  #onFallback: (err: unknown) => void;

  constructor(
    primary: PlanMatcher,
    fallback: PlanMatcher,
    onFallback: (err: unknown) => void = (err) =>
      logger('plan').warn(
        { code: (err as { code?: string }).code ?? 'api-error', message: (err as Error).message },
        'LLM plan match failed; keyword match instead',
      ),
  ) {
    this.#primary = primary;
    this.#fallback = fallback;
    this.#onFallback = onFallback;
  }

  async match(utterance: string, plan: InterviewPlan, context?: { recent: string[] }): Promise<PlanMatch> {
    try {
      return await this.#primary.match(utterance, plan, context);
    } catch (err) {
      this.#onFallback(err);
      return this.#fallback.match(utterance, plan, context);
    }
  }
}
