import type { LabelledQuestion } from './labelled-questions.js';
import { closedOpening, leadingPhrase, protectedTopicOf, sentences } from './lexicon.js';

/** Precision and recall of one label, with the misses and false alarms by text. */
export interface LabelScore {
  label: string;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  missed: string[];
  falseAlarms: string[];
}

function score(
  label: string,
  set: readonly LabelledQuestion[],
  truth: (q: LabelledQuestion) => boolean,
  found: (q: LabelledQuestion) => boolean,
): LabelScore {
  const missed: string[] = [];
  const falseAlarms: string[] = [];
  let tp = 0;
  for (const q of set) {
    const t = truth(q);
    const f = found(q);
    if (t && f) tp++;
    else if (t) missed.push(q.text);
    else if (f) falseAlarms.push(q.text);
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : Math.round((a / b) * 1000) / 1000);
  return {
    label,
    truePositives: tp,
    falsePositives: falseAlarms.length,
    falseNegatives: missed.length,
    precision: ratio(tp, tp + falseAlarms.length),
    recall: ratio(tp, tp + missed.length),
    missed,
    falseAlarms,
  };
}

const anySentence = (text: string, f: (s: string) => unknown) => sentences(text).some((s) => !!f(s));

/**
 * Scores the rule lexicon on a labelled set: protected topic (any topic, and the right topic), leading and closed
 * questions, each judged on the utterance's sentences.
 */
export function evaluateLexicon(set: readonly LabelledQuestion[]): LabelScore[] {
  const topicOf = (q: LabelledQuestion) =>
    sentences(q.text)
      .map((s) => protectedTopicOf(s)?.topic)
      .find((t) => t !== undefined);
  return [
    score(
      'protected-topic',
      set,
      (q) => q.topic !== undefined,
      (q) => topicOf(q) !== undefined,
    ),
    score(
      'protected-topic (right topic)',
      set,
      (q) => q.topic !== undefined,
      (q) => topicOf(q) !== undefined && topicOf(q) === q.topic,
    ),
    score(
      'leading-question',
      set,
      (q) => q.leading === true,
      (q) => anySentence(q.text, leadingPhrase),
    ),
    score(
      'closed-question',
      set,
      (q) => q.closed === true,
      (q) => anySentence(q.text, closedOpening),
    ),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { FRESH_QUESTIONS, HELD_OUT_QUESTIONS, LABELLED_QUESTIONS } = await import('./labelled-questions.js');
  const report = (set: readonly LabelledQuestion[]) => ({ size: set.length, scores: evaluateLexicon(set) });
  console.log(
    JSON.stringify(
      {
        labelled: report(LABELLED_QUESTIONS),
        heldOut: report(HELD_OUT_QUESTIONS),
        fresh: report(FRESH_QUESTIONS),
      },
      null,
      2,
    ),
  );
}
