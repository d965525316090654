/** Counts of one detector on one labelled set, and the precision and recall they give. */
export interface Score {
  /** Labelled events (or cases that should fire). */
  positives: number;
  /** Labelled events the detector found. */
  found: number;
  /** Detections (or cases that fired). */
  detections: number;
  /** Detections that match a labelled event. */
  correct: number;
  /** correct / detections (null when nothing was detected). */
  precision: number | null;
  /** found / positives (null when nothing was labelled). */
  recall: number | null;
}

const r3 = (x: number) => Number(x.toFixed(3));

/** A score from its four counts. */
export function score(positives: number, found: number, detections: number, correct: number): Score {
  return {
    positives,
    found,
    detections,
    correct,
    precision: detections ? r3(correct / detections) : null,
    recall: positives ? r3(found / positives) : null,
  };
}

/** Adds scores up (counts summed, precision and recall recomputed). */
export function total(scores: Score[]): Score {
  const sum = (k: 'positives' | 'found' | 'detections' | 'correct') => scores.reduce((n, s) => n + s[k], 0);
  return score(sum('positives'), sum('found'), sum('detections'), sum('correct'));
}

/** Interval events in seconds (labels) against detections in ms; overlap within `toleranceMs` counts. */
export function matchIntervals(
  labels: { start: number; end: number }[],
  detections: { startMs: number; endMs: number }[],
  toleranceMs = 50,
): Score {
  const overlaps = (l: { start: number; end: number }, d: { startMs: number; endMs: number }) =>
    d.startMs <= l.end * 1000 + toleranceMs && d.endMs >= l.start * 1000 - toleranceMs;
  const found = labels.filter((l) => detections.some((d) => overlaps(l, d))).length;
  const correct = detections.filter((d) => labels.some((l) => overlaps(l, d))).length;
  return score(labels.length, found, detections.length, correct);
}
