import Anthropic from '@anthropic-ai/sdk';
import { PROTECTED_TOPICS, type ProtectedTopic } from '@interview-helper/protocol';
import { z } from 'zod';
import { emotionLabelIn } from '../language.js';

/** Options of {@link ClaudeConductReviewer}. */
export interface ClaudeConductOptions {
  apiKey: string;
  /** Defaults to the SDK's (ANTHROPIC_BASE_URL or the public API). */
  baseURL?: string;
  model: string;
  maxTokens: number;
  /** Whole budget of one review, retries included; past it only the rule lexicon's finding counts. */
  budgetMs: number;
  maxRetries: number;
}

export const defaultClaudeConductOptions = {
  model: 'claude-haiku-4-5',
  maxTokens: 300,
  budgetMs: 4000,
  maxRetries: 1,
} satisfies Partial<ClaudeConductOptions>;

/** What Claude says about one interviewer utterance. */
export interface ConductReview {
  protectedTopic?: ProtectedTopic;
  leading: boolean;
  closed: boolean;
  /** The observation, in the second person, about the question (never about the interviewer's character). */
  observation: string;
  /** A lawful, open way to ask, or an empty string when nothing needs changing. */
  rephrase: string;
  model: string;
}

/** Why a review was not used (the rule lexicon's finding stands). */
export class ConductReviewError extends Error {
  constructor(
    readonly code: 'timeout' | 'api-error' | 'malformed' | 'emotion-label',
    message: string,
  ) {
    super(message);
    this.name = 'ConductReviewError';
  }
}

/** The system prompt (cached): the task, the lawful alternatives and the behaviour-only rule. */
export const CONDUCT_SYSTEM_PROMPT = `You review one question an interviewer just asked in a live job interview, for that interviewer's eyes only.
Decide:
- protectedTopic: whether it asks about, or invites the candidate to reveal, a protected characteristic: age, family (children, pregnancy, childcare), marital-status (spouse, partner), religion, nationality (national or ethnic origin, birthplace, accent, native language), disability (health, medication, conditions), sexual-orientation; otherwise "none". Job-related questions are lawful and are "none": work authorisation or visa sponsorship, a legal minimum age ("at least 18"), performing the essential functions with or without reasonable accommodation, meeting the schedule or travel, languages the job uses. Technical terms ("children of a node", "disable the flag") are "none".
- leading: whether the wording suggests the answer the interviewer expects.
- closed: whether it can be answered with yes or no.
- observation: one sentence, second person, about the question only (what it asks, what it suggests). Never describe anyone's feelings or character.
- rephrase: a lawful, open question about the job's requirements that the interviewer could ask instead, or "" when nothing needs changing.
Always answer by calling the review_question tool exactly once.`;

/** The forced tool: its input is the structured review. */
export const REVIEW_TOOL = {
  name: 'review_question',
  description: 'Review one interviewer question for protected topics and for leading or closed wording.',
  input_schema: {
    type: 'object' as const,
    properties: {
      protectedTopic: { type: 'string', enum: [...PROTECTED_TOPICS, 'none'] },
      leading: { type: 'boolean' },
      closed: { type: 'boolean' },
      observation: { type: 'string', description: 'One sentence, under 200 characters.' },
      rephrase: { type: 'string', description: 'A lawful open question, under 200 characters, or "".' },
    },
    required: ['protectedTopic', 'leading', 'closed', 'observation', 'rephrase'],
  },
};

const reviewSchema = z
  .object({
    protectedTopic: z.enum([...PROTECTED_TOPICS, 'none']),
    leading: z.boolean(),
    closed: z.boolean(),
    observation: z.string().min(1).max(400),
    rephrase: z.string().max(400),
  })
  .strict();

/**
 * Reviews interviewer questions with Claude through the official SDK: a forced `review_question` tool call,
 * validated with zod, the static prefix cached, bounded by a budget. Sends only the question's text and the
 * previous few lines of the transcript; never media. Any failure throws a {@link ConductReviewError}.
 */
export class ClaudeConductReviewer {
  #o: ClaudeConductOptions;
  #client: Anthropic;

  constructor(opts: Pick<ClaudeConductOptions, 'apiKey'> & Partial<ClaudeConductOptions>) {
    this.#o = { ...defaultClaudeConductOptions, ...opts };
    this.#client = new Anthropic({
      apiKey: this.#o.apiKey,
      ...(this.#o.baseURL ? { baseURL: this.#o.baseURL } : {}),
      timeout: this.#o.budgetMs,
      maxRetries: this.#o.maxRetries,
    });
  }

  /** Reviews `question`; `context` is the transcript just before it (speaker role and text). */
  async review(question: string, context: { role: string; text: string }[] = []): Promise<ConductReview> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.#o.budgetMs);
    try {
      const message = await this.#client.messages.create(
        {
          model: this.#o.model,
          max_tokens: this.#o.maxTokens,
          system: [{ type: 'text', text: CONDUCT_SYSTEM_PROMPT, cache_control: { type: 'ephemeral' } }],
          tools: [{ ...REVIEW_TOOL, cache_control: { type: 'ephemeral' } }],
          tool_choice: { type: 'tool', name: REVIEW_TOOL.name },
          messages: [{ role: 'user', content: JSON.stringify({ question, before: context.slice(-4) }) }],
        },
        { signal: abort.signal },
      );
      const block = message.content.find((b) => b.type === 'tool_use' && b.name === REVIEW_TOOL.name);
      if (block?.type !== 'tool_use')
        throw new ConductReviewError('malformed', 'no review_question tool call');
      const parsed = reviewSchema.safeParse(block.input);
      if (!parsed.success)
        throw new ConductReviewError(
          'malformed',
          `tool input outside the schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      const r = parsed.data;
      const label = emotionLabelIn(`${r.observation} ${r.rephrase}`);
      if (label)
        throw new ConductReviewError('emotion-label', `review labels an emotion or trait ("${label}")`);
      return {
        ...(r.protectedTopic === 'none' ? {} : { protectedTopic: r.protectedTopic }),
        leading: r.leading,
        closed: r.closed,
        observation: r.observation,
        rephrase: r.rephrase,
        model: message.model || this.#o.model,
      };
    } catch (err) {
      if (err instanceof ConductReviewError) throw err;
      if (abort.signal.aborted)
        throw new ConductReviewError('timeout', `no review within ${this.#o.budgetMs} ms`);
      throw new ConductReviewError('api-error', (err as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }
}
