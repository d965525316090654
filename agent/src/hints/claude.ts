import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { emotionLabelIn } from '../language.js';
import { CircuitBreaker } from './breaker.js';
import { HINT_TOOL, type HintContext, SUMMARY_PROMPT, SYSTEM_PROMPT, userPrompt } from './prompt.js';
import type { HintDraft, HintTrigger } from './trigger.js';

/** Options of {@link ClaudeHintWriter}. */
export interface ClaudeOptions {
  apiKey: string;
  /** Defaults to the SDK's (ANTHROPIC_BASE_URL or the public API). */
  baseURL?: string;
  model: string;
  maxTokens: number;
  /** Timeout of one HTTP attempt. */
  attemptTimeoutMs: number;
  /** Retries after a 429, 5xx or connection error (the SDK backs off exponentially, honouring retry-after). */
  maxRetries: number;
  /** Whole budget of one hint, retries included; past it the rule hint goes out instead. */
  budgetMs: number;
  breaker: CircuitBreaker;
}

export const defaultClaudeOptions = {
  model: 'claude-haiku-4-5',
  maxTokens: 400,
  attemptTimeoutMs: 4000,
  maxRetries: 2,
  budgetMs: 6000,
} satisfies Partial<ClaudeOptions>;

/** Why an LLM hint was not used; the rule hint goes out instead. */
export class LlmHintError extends Error {
  constructor(
    readonly code:
      | 'circuit-open'
      | 'timeout'
      | 'api-error'
      | 'malformed'
      | 'emotion-label'
      | 'unknown-evidence',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmHintError';
  }
}

const outputSchema = z.object({
  kind: z.string().min(1).max(64),
  text: z.string().min(1).max(600),
  short: z.string().min(1).max(200),
  evidence: z.array(z.string().min(1).max(128)).max(50),
  confidence: z.number().min(0).max(1),
});

/**
 * Writes hints with Claude through the official SDK: streamed, structured output through a forced tool
 * call, static prefix cached, bounded by a budget and a circuit breaker. Sends only derived signals,
 * transcript text and code. Any failure throws an {@link LlmHintError} so the caller can fall back.
 */
export class ClaudeHintWriter {
  #o: ClaudeOptions;
  #client: Anthropic;

  constructor(opts: Pick<ClaudeOptions, 'apiKey'> & Partial<ClaudeOptions>) {
    this.#o = { ...defaultClaudeOptions, breaker: new CircuitBreaker(), ...opts };
    this.#client = new Anthropic({
      apiKey: this.#o.apiKey,
      ...(this.#o.baseURL ? { baseURL: this.#o.baseURL } : {}),
      timeout: this.#o.attemptTimeoutMs,
      maxRetries: this.#o.maxRetries,
    });
  }

  get breaker(): CircuitBreaker {
    return this.#o.breaker;
  }

  /** The model asked for (a draft names the model that answered). */
  get model(): string {
    return this.#o.model;
  }

  /** The whole budget of one hint, retries included, when a call does not set its own. */
  get budgetMs(): number {
    return this.#o.budgetMs;
  }

  /**
   * Writes the hint for `t`. `budgetMs` (at most the writer's own budget) bounds this call, so that a hint
   * whose validity window is short falls back to the rule text in time.
   */
  async write(t: HintTrigger, ctx: HintContext, opts: { budgetMs?: number } = {}): Promise<HintDraft> {
    if (!this.#o.breaker.allow()) throw new LlmHintError('circuit-open', 'LLM circuit is open');
    const budgetMs = Math.max(0, Math.min(this.#o.budgetMs, opts.budgetMs ?? this.#o.budgetMs));
    try {
      const draft = await this.#call(t, ctx, budgetMs);
      this.#o.breaker.success();
      return draft;
    } catch (err) {
      this.#o.breaker.failure();
      throw err instanceof LlmHintError
        ? err
        : new LlmHintError('api-error', (err as Error).message, { cause: err });
    }
  }

  /**
   * A short summary of a finished session from its report (metrics, hints, transcript; never media).
   * Throws an {@link LlmHintError} on any failure or an emotion label.
   */
  async summarise(report: {
    metrics: unknown;
    hints: unknown[];
    transcript: unknown[];
    timeline: unknown[];
  }): Promise<string> {
    if (!this.#o.breaker.allow()) throw new LlmHintError('circuit-open', 'LLM circuit is open');
    const input = JSON.stringify({
      metrics: report.metrics,
      hints: report.hints.slice(-50),
      timeline: report.timeline.slice(-100),
      transcript: report.transcript.slice(-100),
    }).slice(0, 60_000);
    try {
      const message = await this.#client.messages.create(
        {
          model: this.#o.model,
          max_tokens: this.#o.maxTokens,
          system: [{ type: 'text', text: SUMMARY_PROMPT, cache_control: { type: 'ephemeral' } }],
          messages: [{ role: 'user', content: input }],
        },
        { timeout: this.#o.budgetMs },
      );
      const text = message.content
        .flatMap((b) => (b.type === 'text' ? [b.text] : []))
        .join('')
        .trim();
      if (!text) throw new LlmHintError('malformed', 'empty summary');
      const label = emotionLabelIn(text);
      if (label) throw new LlmHintError('emotion-label', `summary labels an emotion or trait ("${label}")`);
      this.#o.breaker.success();
      return text.slice(0, 4000);
    } catch (err) {
      this.#o.breaker.failure();
      throw err instanceof LlmHintError
        ? err
        : new LlmHintError('api-error', (err as Error).message, { cause: err });
    }
  }

  async #call(t: HintTrigger, ctx: HintContext, budgetMs: number): Promise<HintDraft> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), budgetMs);
    let firstTokenAt: number | undefined;
    try {
      const stream = this.#client.messages.stream(
        {
          model: this.#o.model,
          max_tokens: this.#o.maxTokens,
          system: [{ type: 'text', text: SYSTEM_PROMPT, cache_control: { type: 'ephemeral' } }],
          tools: [{ ...HINT_TOOL, cache_control: { type: 'ephemeral' } }],
          tool_choice: { type: 'tool', name: HINT_TOOL.name },
          messages: [{ role: 'user', content: userPrompt(t, ctx) }],
        },
        { signal: abort.signal },
      );
      stream.on('streamEvent', (e) => {
        if (firstTokenAt === undefined && e.type === 'content_block_delta') firstTokenAt = Date.now();
      });
      const message = await stream.finalMessage();
      const block = message.content.find((b) => b.type === 'tool_use' && b.name === HINT_TOOL.name);
      if (block?.type !== 'tool_use') throw new LlmHintError('malformed', 'no give_hint tool call');
      const draft = this.#validate(block.input, t, ctx, firstTokenAt ?? Date.now());
      return { ...draft, model: message.model || this.#o.model };
    } catch (err) {
      if (err instanceof LlmHintError) throw err;
      if (abort.signal.aborted) throw new LlmHintError('timeout', `no LLM hint within ${budgetMs} ms`);
      throw new LlmHintError('api-error', (err as Error).message, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  #validate(input: unknown, t: HintTrigger, ctx: HintContext, firstTokenAt: number): HintDraft {
    const parsed = outputSchema.safeParse(input);
    if (!parsed.success)
      throw new LlmHintError(
        'malformed',
        `tool input outside the schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const out = parsed.data;
    const label = emotionLabelIn(`${out.text} ${out.short}`);
    if (label) throw new LlmHintError('emotion-label', `hint labels an emotion or trait ("${label}")`);
    // Evidence must come from the input; the trigger's own evidence is always kept.
    const known = new Set([...t.evidence, ...ctx.signals.map((s) => s.id)]);
    const cited = out.evidence.filter((id) => known.has(id));
    if (out.evidence.length > 0 && cited.length === 0) {
      throw new LlmHintError('unknown-evidence', 'hint cites no known signal');
    }
    const evidence = [...new Set([...t.evidence, ...cited])];
    return {
      kind: t.kind,
      text: {
        minimal: out.short,
        normal: out.text,
        verbose: `${out.text} Evidence: ${evidence.join(', ')}.`,
      },
      evidence,
      confidence: out.confidence,
      source: 'llm',
      firstTokenAt,
    };
  }
}
