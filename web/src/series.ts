import type { SignalMessage } from '@interview-helper/protocol';

/** A metric charted over the session. */
export interface MetricSpec {
  key: string;
  label: string;
  unit: string;
  /** The value a signal contributes, if any. */
  read(signal: SignalMessage): number | undefined;
}

/** Pitch, speaking rate, attention (look-away share, when a vision analyser sends it) and the audio level. */
export const METRICS: readonly MetricSpec[] = [
  {
    key: 'pitch',
    label: 'Pitch (median)',
    unit: 'Hz',
    read: (s) => (s.kind === 'pitch' && s.values.voicedSeconds > 0 ? s.values.medianHz : undefined),
  },
  {
    key: 'rate',
    label: 'Speaking rate',
    unit: 'words/min',
    read: (s) => (s.kind === 'speech-rate' ? s.values.wordsPerMinute : undefined),
  },
  {
    key: 'attention',
    label: 'Look-away share',
    unit: '%',
    read: (s) => (s.kind === 'face-summary' ? s.values.lookAwayShare * 100 : undefined),
  },
  {
    key: 'level',
    label: 'Audio level',
    unit: 'dBFS',
    read: (s) => (s.kind === 'audio-level' ? s.values.rmsDbfs : undefined),
  },
];

/** Options of {@link SessionSeries}. */
export interface SessionSeriesOptions {
  /** Most points kept per metric. */
  maxPoints: number;
}

/**
 * Time series of the charted metrics, from the signals received: x is seconds since the first signal (by the
 * signal's end time), points in time order.
 */
export class SessionSeries {
  readonly #max: number;
  #origin: number | undefined;
  readonly #points = new Map<string, { x: number[]; y: number[] }>();

  constructor(options: Partial<SessionSeriesOptions> = {}) {
    this.#max = options.maxPoints ?? 3600;
  }

  /** Adds a signal; returns the keys of the metrics that changed. */
  add(signal: SignalMessage): string[] {
    const changed: string[] = [];
    for (const metric of METRICS) {
      const y = metric.read(signal);
      if (y === undefined) continue;
      this.#origin ??= signal.range.end;
      const x = (signal.range.end - this.#origin) / 1000;
      const series = this.#points.get(metric.key) ?? { x: [], y: [] };
      this.#points.set(metric.key, series);
      let i = series.x.length;
      while (i > 0 && (series.x[i - 1] as number) > x) i--;
      series.x.splice(i, 0, x);
      series.y.splice(i, 0, y);
      if (series.x.length > this.#max) {
        series.x.shift();
        series.y.shift();
      }
      changed.push(metric.key);
    }
    return changed;
  }

  /** The points of a metric as `[xs, ys]`. */
  get(key: string): [number[], number[]] {
    const s = this.#points.get(key);
    return s ? [s.x, s.y] : [[], []];
  }
}
