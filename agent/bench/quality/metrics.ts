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

/** One labelled case's outcome: its id, its labels per kind (absent when unlabelled) and whether each kind fired. */
export interface LabelledVerdict<K extends string> {
  c: { id: string; labels: Partial<Record<K, boolean>> };
  verdict: Record<K, boolean>;
}

/** Precision and recall per kind over labelled cases, with the ids of the cases each kind gets wrong. */
export function scoreLabelled<K extends string>(
  kinds: readonly K[],
  rows: readonly LabelledVerdict<K>[],
): Record<K, Score & { wrong: string[] }> {
  return Object.fromEntries(
    kinds.map((k) => {
      const labelled = rows.filter((r) => r.c.labels[k] !== undefined);
      const pos = labelled.filter((r) => r.c.labels[k]);
      const fired = labelled.filter((r) => r.verdict[k]);
      const s = score(
        pos.length,
        pos.filter((r) => r.verdict[k]).length,
        fired.length,
        fired.filter((r) => r.c.labels[k]).length,
      );
      return [k, { ...s, wrong: labelled.filter((r) => r.verdict[k] !== r.c.labels[k]).map((r) => r.c.id) }];
    }),
  ) as Record<K, Score & { wrong: string[] }>;
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
