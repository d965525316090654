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

/**
 * Hesitation sounds among {@link FILLERS}: what an acoustic filled-pause detector hears as well (and
 * what recognizers often drop or write as "ah"/"oh").
 */
export const HESITATIONS: ReadonlySet<string> = new Set(['um', 'umm', 'uh', 'uhh', 'er', 'erm', 'ah', 'hmm']);

/** Fillers counted in a transcript. */
export interface FillerCount {
  total: number;
  byFiller: Record<string, number>;
  /** Of `total`, the hesitation sounds ({@link HESITATIONS}). */
  hesitations: number;
  words: number;
}

/** Counts fillers in `text`: total and per filler. "like" counts only where it is not a verb after "i/you/we/they/would". */
export function countFillers(text: string): FillerCount {
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
  const hesitations = Object.entries(byFiller).reduce((n, [f, c]) => n + (HESITATIONS.has(f) ? c : 0), 0);
  return { total, byFiller, hesitations, words: words.length };
}

/** Fillers of one stretch of speech from its transcript and the acoustic filled-pause detector. */
export interface MergedFillers {
  /** Filler words plus hesitations, each counted once. */
  total: number;
  /** "um"/"uh"-like hesitations: the larger of the two sources' counts. */
  hesitations: number;
  /** Hesitation words in the transcript. */
  transcriptHesitations: number;
  /** Filled pauses the acoustic detector found. */
  filledPauses: number;
}

/**
 * Combines the transcript's fillers with acoustically detected filled pauses without counting an
 * "um" twice: both sources observe the same hesitations, and engines give no word times to pair
 * them one by one, so the hesitation count is the larger of the two (the recognizer may drop "um"
 * or write it as "oh"; the detector misses short or gliding ones), and the other filler words
 * ("like", "you know", …) come from the transcript alone.
 */
export function mergeFillers(text: FillerCount, filledPauses: number): MergedFillers {
  const hesitations = Math.max(text.hesitations, Math.max(0, Math.floor(filledPauses)));
  return {
    total: text.total - text.hesitations + hesitations,
    hesitations,
    transcriptHesitations: text.hesitations,
    filledPauses,
  };
}
