/**
 * Precision and recall of plan matching on the labelled interviewer utterances (agent/src/plan/labelled-utterances.ts)
 * against the example plans: the deterministic matcher, and, with ANTHROPIC_API_KEY set, Claude.
 *
 *   npm run bench:plan -w agent            → bench-results/plan-matching.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { scoreMatcher } from '../src/plan/evaluate.js';
import { LABELLED_UTTERANCES } from '../src/plan/labelled-utterances.js';
import { KeywordMatcher } from '../src/plan/matcher.js';
import { examplePlans } from '../src/plan/testing.js';

const plans = examplePlans();
const results: Record<string, unknown> = {};
const keywords = await scoreMatcher(new KeywordMatcher(), LABELLED_UTTERANCES, plans);
results.keywords = keywords;
console.log(
  `deterministic: n=${keywords.n} precision ${keywords.precision} recall ${keywords.recall} ` +
    `(paraphrases ${keywords.paraphraseRecall}, near-misses matched ${keywords.nearMissFalse})`,
);
for (const e of keywords.errors) console.log(`  ${e.label ?? '—'} → ${e.got ?? '—'}: ${e.text}`);
if (process.env.ANTHROPIC_API_KEY) {
  const { ClaudePlanMatcher } = await import('../src/plan/claude-matcher.js');
  const claude = new ClaudePlanMatcher({
    apiKey: process.env.ANTHROPIC_API_KEY,
    ...(process.env.ANTHROPIC_BASE_URL ? { baseURL: process.env.ANTHROPIC_BASE_URL } : {}),
    model: process.env.HINTS_MODEL ?? 'claude-haiku-4-5',
  });
  const llm = await scoreMatcher(claude, LABELLED_UTTERANCES, plans);
  results.llm = llm;
  console.log(
    `claude: precision ${llm.precision} recall ${llm.recall} (paraphrases ${llm.paraphraseRecall})`,
  );
}
mkdirSync('../bench-results', { recursive: true });
writeFileSync(
  '../bench-results/plan-matching.json',
  `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`,
);
