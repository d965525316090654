import type { InterviewPlan } from '@interview-helper/protocol';
import type { LabelledUtterance } from './labelled-utterances.js';
import type { PlanMatcher } from './matcher.js';

/** Precision and recall of a matcher on a labelled set. */
export interface MatchScore {
  n: number;
  /** Utterances matched to their labelled item. */
  correct: number;
  /** Utterances matched to an item (right or wrong). */
  predicted: number;
  /** Utterances labelled with an item. */
  labelled: number;
  precision: number;
  recall: number;
  /** Recall on paraphrases only, and false matches on near-misses. */
  paraphraseRecall: number;
  nearMissFalse: number;
  errors: { text: string; label: string | null; got: string | null }[];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Runs `matcher` over `set` (each utterance against its plan) and scores it. */
export async function scoreMatcher(
  matcher: PlanMatcher,
  set: readonly LabelledUtterance[],
  plans: Record<LabelledUtterance['plan'], InterviewPlan>,
): Promise<MatchScore> {
  let correct = 0;
  let predicted = 0;
  let labelled = 0;
  let para = 0;
  let paraHit = 0;
  let nearMissFalse = 0;
  const errors: MatchScore['errors'] = [];
  for (const u of set) {
    const got = (await matcher.match(u.text, plans[u.plan], { recent: [] })).itemId;
    if (got !== null) predicted++;
    if (u.label !== null) labelled++;
    if (got !== null && got === u.label) correct++;
    if (u.kind === 'paraphrase') {
      para++;
      if (got === u.label) paraHit++;
    }
    if (u.kind === 'near-miss' && got !== null) nearMissFalse++;
    if (got !== u.label) errors.push({ text: u.text, label: u.label, got });
  }
  return {
    n: set.length,
    correct,
    predicted,
    labelled,
    precision: round(predicted ? correct / predicted : 1),
    recall: round(labelled ? correct / labelled : 1),
    paraphraseRecall: round(para ? paraHit / para : 1),
    nearMissFalse,
    errors,
  };
}
