/**
 * Plan matching on the labelled interviewer utterances (agent/src/plan/labelled-utterances.ts) against the example
 * plans: precision, recall and time per utterance of the deterministic matcher; the Claude matcher through the
 * local stand-in Messages API (an oracle that answers the label: the figures show the plumbing's latency, not
 * Claude's quality); with ANTHROPIC_API_KEY set, the real Claude model as well.
 *
 *   npm run bench:plan -w agent            → bench-results/plan-matching.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { startAnthropicStandIn } from '../../test/anthropic-stand-in/server.js';
import { ClaudePlanMatcher, MATCH_TOOL } from '../src/plan/claude-matcher.js';
import { scoreMatcher } from '../src/plan/evaluate.js';
import { LABELLED_UTTERANCES } from '../src/plan/labelled-utterances.js';
import { KeywordMatcher, type PlanMatcher } from '../src/plan/matcher.js';
import { examplePlans } from '../src/plan/testing.js';

const plans = examplePlans();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? 0) * 1000) / 1000;
};

/** Scores `matcher` and times every match (ms). */
async function measure(name: string, matcher: PlanMatcher) {
  const times: number[] = [];
  const timed: PlanMatcher = {
    match: async (u, plan, ctx) => {
      const t = performance.now();
      try {
        return await matcher.match(u, plan, ctx);
      } finally {
        times.push(performance.now() - t);
      }
    },
  };
  const score = await scoreMatcher(timed, LABELLED_UTTERANCES, plans);
  const out = { ...score, msPerMatch: { p50: pct(times, 0.5), p95: pct(times, 0.95) } };
  console.log(
    `${name}: n=${score.n} precision ${score.precision} recall ${score.recall} (paraphrases ${score.paraphraseRecall}, ` +
      `near-misses matched ${score.nearMissFalse}); ms per match p50 ${out.msPerMatch.p50}, p95 ${out.msPerMatch.p95}`,
  );
  return out;
}

const results: Record<string, unknown> = {};
const keywords = await measure('deterministic', new KeywordMatcher());
for (const e of keywords.errors) console.log(`  ${e.label ?? '—'} → ${e.got ?? '—'}: ${e.text}`);
results.keywords = keywords;

const labels = new Map(LABELLED_UTTERANCES.map((u) => [u.text, u.label]));
const standIn = await startAnthropicStandIn({
  firstTokenDelayMs: 0,
  toolInputs: {
    [MATCH_TOOL.name]: (body) => {
      const content = (body.messages as { content: string }[])[0]?.content ?? '{}';
      return {
        itemId: labels.get((JSON.parse(content) as { interviewer: string }).interviewer) ?? null,
        confidence: 0.9,
      };
    },
  },
});
try {
  results.standIn = await measure(
    'claude path via the stand-in (oracle; plumbing only)',
    new ClaudePlanMatcher({ apiKey: 'stand-in', baseURL: standIn.baseURL, model: 'stand-in' }),
  );
} finally {
  await standIn.close();
}
if (process.env.ANTHROPIC_API_KEY) {
  results.llm = await measure(
    'claude',
    new ClaudePlanMatcher({
      apiKey: process.env.ANTHROPIC_API_KEY,
      ...(process.env.ANTHROPIC_BASE_URL ? { baseURL: process.env.ANTHROPIC_BASE_URL } : {}),
      model: process.env.HINTS_MODEL ?? 'claude-haiku-4-5',
    }),
  );
}
mkdirSync('../bench-results', { recursive: true });
writeFileSync(
  '../bench-results/plan-matching.json',
  `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`,
);
