import type { InterviewPlan } from '@interview-helper/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../../test/anthropic-stand-in/server.js';
import { ClaudePlanMatcher, FallbackMatcher, MATCH_TOOL, PlanMatchError } from './claude-matcher.js';
import { scoreMatcher } from './evaluate.js';
import { LABELLED_UTTERANCES } from './labelled-utterances.js';
import { KeywordMatcher } from './matcher.js';
import { examplePlans } from './testing.js';

const plans = examplePlans();
const labels = new Map(LABELLED_UTTERANCES.map((u) => [u.text, u.label]));

/**
 * The stand-in cannot understand language: it answers the label of the utterance it is sent (an oracle), so these
 * tests check the plumbing (request, forced tool, validation, fallback), not Claude's matching quality.
 */
function oracle(body: Record<string, unknown>): Record<string, unknown> {
  const content = (body.messages as { content: string }[])[0]?.content ?? '{}';
  const { interviewer } = JSON.parse(content) as { interviewer: string };
  if (interviewer === 'unknown item please') return { itemId: 'no-such-item', confidence: 0.9 };
  return { itemId: labels.get(interviewer) ?? null, confidence: 0.9 };
}

describe('ClaudePlanMatcher against the stand-in Messages API', () => {
  let standIn: AnthropicStandIn;
  beforeAll(async () => {
    standIn = await startAnthropicStandIn({
      toolInputs: { [MATCH_TOOL.name]: (body, mode) => (mode === 'malformed' ? {} : oracle(body)) },
    });
  });
  afterAll(() => standIn?.close());

  const claude = (opts: Partial<ConstructorParameters<typeof ClaudePlanMatcher>[0]> = {}) =>
    new ClaudePlanMatcher({
      apiKey: 'test-key',
      baseURL: standIn.baseURL,
      model: 'claude-test',
      maxRetries: 0,
      ...opts,
    });

  it('asks with a forced, cached tool call carrying only the plan and the transcript text', async () => {
    standIn.setModes(['ok']);
    standIn.requests.length = 0;
    const plan = plans['backend-coding'];
    const m = await claude().match("What's the big O of that?", plan, { recent: ['Nice.', 'Okay.'] });
    expect(m).toEqual({ itemId: 'complexity', score: 0.9, source: 'llm' });
    const body = standIn.requests[0]?.body as Record<string, unknown>;
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'match_plan_item' });
    expect(JSON.stringify(body.system)).toContain('ephemeral');
    const sent = JSON.parse((body.messages as { content: string }[])[0]?.content ?? '') as {
      plan: { id: string }[];
      before: string[];
    };
    expect(sent.plan.map((i) => i.id)).toEqual(plan.items.map((i) => i.id));
    expect(sent.before).toEqual(['Nice.', 'Okay.']);
  });

  it('scores the labelled set through the whole path (oracle answers: plumbing, not quality)', async () => {
    standIn.setModes(['ok']);
    const score = await scoreMatcher(claude(), LABELLED_UTTERANCES, plans);
    expect(score).toMatchObject({ precision: 1, recall: 1 });
  });

  it('falls back to the keyword matcher on a server error, a timeout, output outside the schema or an unknown item', async () => {
    const plan = plans['backend-coding'];
    const failures: string[] = [];
    const both = (c = claude()) =>
      new FallbackMatcher(c, new KeywordMatcher(), (err) => failures.push((err as PlanMatchError).code));
    for (const mode of ['server-error', 'malformed'] as const) {
      standIn.setModes([mode]);
      expect(await both().match('How would you test this function?', plan)).toMatchObject({
        itemId: 'testing',
        source: 'keywords',
      });
    }
    standIn.setModes(['timeout']);
    expect(
      await both(claude({ budgetMs: 300 })).match('How would you test this function?', plan),
    ).toMatchObject({ itemId: 'testing', source: 'keywords' });
    standIn.setModes(['ok']);
    expect(await both().match('unknown item please', plan)).toMatchObject({ source: 'keywords' });
    expect(failures).toEqual(['api-error', 'malformed', 'timeout', 'unknown-item']);
  });

  it('opens its circuit after repeated failures and answers at once without a request', async () => {
    standIn.setModes(['server-error']);
    const c = claude({ breakerFailures: 2, breakerOpenMs: 60_000 });
    const plan: InterviewPlan = plans.behavioural;
    for (let i = 0; i < 2; i++) await expect(c.match('x?', plan)).rejects.toBeInstanceOf(PlanMatchError);
    const before = standIn.requests.length;
    await expect(c.match('x?', plan)).rejects.toMatchObject({ code: 'circuit-open' });
    expect(standIn.requests.length).toBe(before);
  });
});
