import type { SignalMessage } from '@interview-helper/protocol';
import uPlot from 'uplot';
import { h } from './dom.js';
import { METRICS, SessionSeries } from './series.js';

const WIDTH = 320;
const HEIGHT = 110;

/**
 * Live charts (uPlot) of the candidate's pitch, speaking rate, attention (look-away share, once a vision analyser
 * sends it) and audio level over the session. Each chart is `data-testid="chart-<key>"` with `data-points`; a
 * metric without data shows "no data yet". uPlot's stylesheet is loaded by `main.ts`.
 */
export class Charts {
  readonly element: HTMLElement;
  readonly #series = new SessionSeries();
  readonly #plots = new Map<string, uPlot>();
  readonly #boxes = new Map<string, HTMLElement>();
  #dirty = new Set<string>();
  #frame = 0;

  constructor() {
    this.element = h(
      'section',
      { className: 'charts', testid: 'charts' },
      h('h2', {}, 'Over the session'),
      ...METRICS.map((m) => {
        const box = h(
          'figure',
          { className: 'chart', testid: `chart-${m.key}`, attrs: { 'data-points': '0' } },
          h('figcaption', {}, `${m.label} (${m.unit}) over seconds since the first signal`),
          h('p', { className: 'muted' }, 'no data yet'),
        );
        this.#boxes.set(m.key, box);
        return box;
      }),
    );
  }

  /** Adds a signal; charts redraw at most once per animation frame. */
  add(signal: SignalMessage): void {
    for (const key of this.#series.add(signal)) this.#dirty.add(key);
    if (this.#dirty.size > 0 && !this.#frame)
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        this.#draw();
      });
  }

  #draw(): void {
    for (const key of this.#dirty) {
      const box = this.#boxes.get(key);
      const metric = METRICS.find((m) => m.key === key);
      if (!box || !metric) continue;
      const data = this.#series.get(key);
      box.dataset.points = String(data[0].length);
      let plot = this.#plots.get(key);
      if (!plot) {
        box.querySelector('p')?.remove();
        plot = new uPlot(
          {
            width: WIDTH,
            height: HEIGHT,
            legend: { show: false },
            cursor: { show: false },
            scales: { x: { time: false } },
            axes: [{ size: 28 }, { size: 44 }],
            series: [
              {},
              { label: metric.label, stroke: '#2563eb', width: 1.5, points: { show: true, size: 4 } },
            ],
          },
          data,
          box,
        );
        this.#plots.set(key, plot);
      } else {
        plot.setData(data);
      }
    }
    this.#dirty = new Set();
  }

  dispose(): void {
    cancelAnimationFrame(this.#frame);
    for (const p of this.#plots.values()) p.destroy();
  }
}
