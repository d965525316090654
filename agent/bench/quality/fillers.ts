import { librivoxClips } from '../../../test/fixtures/audio.js';
import { fillerCases, type LabelledSpeech } from '../../../test/fixtures/filler-speech.js';
import { readWav } from '../../../test/fixtures/wav.js';
import { FilledPauseDetector } from '../../src/audio/filled-pause.js';
import { FilledPauseDetector as LegacyDetector } from './legacy-filled-pause.js';
import { matchIntervals, type Score, total } from './metrics.js';

/** A detector under test: 16 kHz PCM in, filled pauses (ms) out. */
export type FillerDetector = (samples: Int16Array) => { startMs: number; endMs: number }[];

/** The detector before fluent speech was handled (held, flat vowels of ≥ 0.25 s only). */
export const legacyFillers: FillerDetector = (samples) => {
  const d = new LegacyDetector();
  return [...d.push(samples), ...d.flush()];
};

/** The current detector with its defaults. */
export const currentFillers: FillerDetector = (samples) => {
  const d = new FilledPauseDetector();
  return [...d.push(samples), ...d.flush()];
};

/** Scores of one detector on labelled speech: over all cases, per group, and for fillers by length. */
export interface FillerScores {
  all: Score;
  byGroup: Record<string, Score>;
  /** Recall on inline fillers shorter than 0.15 s (espeak-ng's unstressed "um") vs the longer ones. */
  shortFillers: Score;
  longerFillers: Score;
  /** False detections per minute of speech without fillers. */
  falsePerMinute: number;
}

/** Runs `detect` over `cases` and scores it. */
export function scoreFillers(detect: FillerDetector, cases: LabelledSpeech[]): FillerScores {
  const byGroup: Record<string, Score[]> = {};
  const short: Score[] = [];
  const longer: Score[] = [];
  let falses = 0;
  let negSeconds = 0;
  for (const c of cases) {
    const found = detect(c.pcm.samples);
    const s = matchIntervals(c.fillers, found);
    byGroup[c.group] = [...(byGroup[c.group] ?? []), s];
    const isShort = (f: { start: number; end: number }) => f.end - f.start < 0.15;
    short.push(matchIntervals(c.fillers.filter(isShort), found));
    longer.push(
      matchIntervals(
        c.fillers.filter((f) => !isShort(f)),
        found,
      ),
    );
    if (c.fillers.length === 0) {
      falses += found.length;
      negSeconds += c.pcm.samples.length / c.pcm.sampleRate;
    }
  }
  const groups = Object.fromEntries(Object.entries(byGroup).map(([g, s]) => [g, total(s)]));
  const r = (x: number, d = 2) => Number(x.toFixed(d));
  // recall by length: only the labels matter, precision is not meaningful on a subset
  const recallOnly = (s: Score): Score => ({ ...s, detections: 0, correct: 0, precision: null });
  return {
    all: total(Object.values(byGroup).flat()),
    byGroup: groups,
    shortFillers: recallOnly(total(short)),
    longerFillers: recallOnly(total(longer)),
    falsePerMinute: r(negSeconds ? (falses * 60) / negSeconds : 0),
  };
}

/** ms of CPU per second of audio of `detect` on the LibriVox clips (best of `runs`, the machine is shared). */
export function fillerCost(detect: FillerDetector, runs = 3): number {
  const clips = librivoxClips().map((c) => readWav(c.path).samples);
  const seconds = clips.reduce((n, c) => n + c.length / 16000, 0);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    for (const c of clips) detect(c);
    best = Math.min(best, performance.now() - began);
  }
  return Number((best / seconds).toFixed(2));
}

/** Old and current detector on the tuning and held-out sets, and their cost. */
export function fillerBench() {
  const out = {} as Record<'tuning' | 'heldOut', Record<'legacy' | 'current', FillerScores>>;
  for (const split of ['tuning', 'heldOut'] as const) {
    const cases = fillerCases(split);
    out[split] = { legacy: scoreFillers(legacyFillers, cases), current: scoreFillers(currentFillers, cases) };
  }
  return {
    ...out,
    msPerSecond: { legacy: fillerCost(legacyFillers), current: fillerCost(currentFillers) },
  };
}
