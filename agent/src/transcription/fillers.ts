import { normaliseWords } from './wer.js';

/** Filler words and phrases counted in transcripts (multi-word ones as word sequences). */
export const FILLERS = [
  'um',
  'umm',
  'uh',
  'uhh',
  'er',
  'erm',
  'ah',
  'hmm',
  'like',
  'you know',
  'i mean',
  'sort of',
  'kind of',
  'basically',
  'actually',
];

/** Counts fillers in `text`: total and per filler. "like" counts only where it is not a verb after "i/you/we/they/would". */
export function countFillers(text: string): {
  total: number;
  byFiller: Record<string, number>;
  words: number;
} {
  const words = normaliseWords(text);
  const byFiller: Record<string, number> = {};
  let total = 0;
  const phrases = FILLERS.map((f) => f.split(' ')).sort((a, b) => b.length - a.length);
  for (let i = 0; i < words.length; ) {
    const hit = phrases.find((p) => p.every((w, k) => words[i + k] === w));
    if (
      hit &&
      !(
        hit[0] === 'like' &&
        hit.length === 1 &&
        /^(i|you|we|they|would|really|don't|didn't)$/.test(words[i - 1] ?? '')
      )
    ) {
      const key = hit.join(' ');
      byFiller[key] = (byFiller[key] ?? 0) + 1;
      total++;
      i += hit.length;
    } else i++;
  }
  return { total, byFiller, words: words.length };
}
