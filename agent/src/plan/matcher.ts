import type { InterviewPlan, PlanItem } from '@interview-helper/protocol';

/** Which plan item an interviewer utterance asks, if any. */
export interface PlanMatch {
  itemId: string | null;
  /** 0…1: how strongly the utterance matches the item. */
  score: number;
  source: 'keywords' | 'llm';
}

/** Decides which plan item an interviewer utterance asks. */
export interface PlanMatcher {
  match(utterance: string, plan: InterviewPlan, context?: { recent: string[] }): Promise<PlanMatch>;
}

/** Options of {@link KeywordMatcher}. */
export interface KeywordMatcherOptions {
  /** Least score of a match when the utterance reads as a question or request. */
  threshold: number;
  /** Least score of a match when it does not (a remark that mentions a topic is not asking it). */
  statementThreshold: number;
}

export const defaultKeywordMatcherOptions: KeywordMatcherOptions = {
  threshold: 0.45,
  statementThreshold: 0.8,
};

const STOP = new Set(
  `a an the and or but if then so of to in on at by for with from about into over as is are was were be been
  being do does did done have has had having i you he she it we they me him her us them my your our their this that
  these those there here what which who whom whose when where why how can could would should will shall may might
  must not no yes ok okay right well just also very really please let lets let's tell me give walk through talk
  describe explain share some any one your you're i'm it's thing things something way ways say said like get got
  going go now first next bit more most other another all each every own same such than too only up out`.split(
    /\s+/,
  ),
);

/** A light stemmer: enough to treat "testing", "tests" and "tested" as one word. */
export function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (w.length > suffix.length + 3 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  if (w.length > 4 && w.at(-1) === w.at(-2) && !'lsz'.includes(w.at(-1) ?? '')) w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Lower-cased, stemmed word tokens. */
export function tokens(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/[’']/g, "'")
      .match(/[\p{L}\p{N}']+/gu) ?? []
  )
    .map((t) => t.replace(/'s$/, '').replace(/'/g, ''))
    .filter(Boolean)
    .map(stem);
}

const STOP_STEMS = new Set([...STOP].map((w) => stem(w.replace(/'/g, ''))));
const content = (ts: string[]) => ts.filter((t) => !STOP_STEMS.has(t) && t.length > 1);

/** Openings of questions and requests (the transcript's "?" is not always there). */
const ASKING =
  /^((so|and|ok(ay)?|now|next|alright|right)[,]? )*(what|how|why|when|where|which|who|can|could|would|will|do|does|did|is|are|have|has|tell|walk|describe|explain|give|write|talk|share|imagine|suppose|say|let's|lets|implement|design|estimate|sketch|show|find|build|code|compute|given)\b/;

/** Whether an utterance reads as a question or a request. */
export function isAsking(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (/\?\s*$/.test(t)) return true;
  return t.split(/(?<=[.!?:;])\s+/).some((s) => ASKING.test(s.trim()));
}

interface Compiled {
  id: string;
  phrases: string[][];
  question: Set<string>;
}

function contains(hay: string[], needle: string[]): boolean {
  if (needle.length === 0 || needle.length > hay.length) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Deterministic plan matching: the item's keywords and phrases (shown with the plan) and the content words of
 * its question, against one interviewer utterance. A phrase found counts by its length (a two-word phrase is
 * strong evidence, a single word less so); the share of the question's content words found counts too. An
 * utterance that does not read as a question or request needs a higher score.
 */
export class KeywordMatcher implements PlanMatcher {
  #o: KeywordMatcherOptions;
  #cache = new WeakMap<InterviewPlan, Compiled[]>();

  constructor(opts: Partial<KeywordMatcherOptions> = {}) {
    this.#o = { ...defaultKeywordMatcherOptions, ...opts };
  }

  #compile(plan: InterviewPlan): Compiled[] {
    let c = this.#cache.get(plan);
    if (!c) {
      c = plan.items.map((i: PlanItem) => ({
        id: i.id,
        phrases: [...new Map(i.keywords.map(tokens).map((p) => [p.join(' '), p])).values()].filter(
          (p) => p.length > 0,
        ),
        question: new Set(content(tokens(i.question))),
      }));
      this.#cache.set(plan, c);
    }
    return c;
  }

  /** The score of every item for `utterance` (0…1), highest first. */
  scores(utterance: string, plan: InterviewPlan): { id: string; score: number }[] {
    const said = tokens(utterance);
    const saidContent = new Set(content(said));
    return this.#compile(plan)
      .map((item) => {
        let phrase = 0;
        for (const p of item.phrases) {
          if (!contains(said, p)) continue;
          const weight = p.length >= 2 ? 0.6 : content(p).length > 0 ? 0.5 : 0;
          phrase = Math.max(phrase, weight) + Math.min(phrase, weight) * 0.5;
        }
        const shared = [...item.question].filter((t) => saidContent.has(t)).length;
        const overlap = item.question.size > 0 ? shared / item.question.size : 0;
        const words = shared >= 2 ? Math.min(0.6, overlap * 1.2) : shared === 1 ? Math.min(0.2, overlap) : 0;
        return { id: item.id, score: Math.min(1, phrase + words) };
      })
      .sort((a, b) => b.score - a.score);
  }

  async match(utterance: string, plan: InterviewPlan): Promise<PlanMatch> {
    return this.matchSync(utterance, plan);
  }

  /** {@link match} without the promise. */
  matchSync(utterance: string, plan: InterviewPlan): PlanMatch {
    const [best, second] = this.scores(utterance, plan);
    const need = isAsking(utterance) ? this.#o.threshold : this.#o.statementThreshold;
    // a near tie between two items is no evidence for either
    if (!best || best.score < need || (second && best.score - second.score < 0.05))
      return { itemId: null, score: best?.score ?? 0, source: 'keywords' };
    return { itemId: best.id, score: best.score, source: 'keywords' };
  }
}
