import { h } from './dom.js';
import { planReportSections } from './plan-report.js';
import { fetchReport, metricRows, type SessionReport } from './report.js';

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleTimeString() : '–');

/** Options of {@link ReportView}. */
export interface ReportViewOptions {
  /** Delay between tries while the report is not written yet, in ms. */
  retryMs: number;
  /** Give up after this long, in ms. */
  timeoutMs: number;
}

const defaultOptions: ReportViewOptions = { retryMs: 1500, timeoutMs: 120_000 };

/**
 * The report page after a session (interviewers only): summary, metrics, timeline, hints and transcript, read
 * from the report endpoint with the interviewer invite. While the report is not written yet (it is written when
 * the session ends) it waits and retries. Root `data-testid="report"` with `data-state` (`waiting`, `ready`,
 * `error`).
 */
export class ReportView {
  readonly element: HTMLElement;
  readonly #status = h('p', { className: 'status', testid: 'report-status', role: 'status' });
  readonly #body = h('div', {});
  readonly #session: string;
  readonly #invite: string;

  constructor(session: string, invite: string, options: Partial<ReportViewOptions> = {}) {
    const opts = { ...defaultOptions, ...options };
    this.#session = session;
    this.#invite = invite;
    this.element = h(
      'section',
      { className: 'report', testid: 'report', attrs: { 'data-state': 'waiting' } },
      h('h2', {}, 'Session report'),
      this.#status,
      this.#body,
    );
    void this.#load(session, invite, opts);
  }

  async #load(session: string, invite: string, opts: ReportViewOptions): Promise<void> {
    const deadline = Date.now() + opts.timeoutMs;
    this.#status.textContent = 'Waiting for the report: the agent writes it when the interview ends…';
    for (;;) {
      const result = await fetchReport(session, invite);
      if (result.ok) {
        this.element.dataset.state = 'ready';
        this.#status.textContent = `Generated ${new Date(result.report.generatedAt).toLocaleString()}`;
        this.#render(result.report);
        return;
      }
      if (!result.retry || Date.now() > deadline) {
        this.element.dataset.state = 'error';
        this.element.dataset.code = result.code;
        this.#status.classList.add('error');
        this.#status.replaceChildren(h('strong', {}, result.message), ' ', h('code', {}, result.code));
        return;
      }
      await new Promise((r) => setTimeout(r, opts.retryMs));
    }
  }

  #render(report: SessionReport): void {
    const section = (title: string, testid: string, ...children: (Node | string | false)[]) =>
      h('section', { testid }, h('h3', {}, title), ...children);
    this.#body.replaceChildren(
      section('Summary', 'report-summary', h('p', {}, report.summary.text)),
      section(
        'Metrics',
        'report-metrics',
        h('dl', {}, ...metricRows(report).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      ),
      ...(report.plan ? planReportSections(report.plan, this.#session, this.#invite) : []),
      section(
        'Timeline',
        'report-timeline',
        report.timeline.length === 0 && h('p', { className: 'muted' }, 'No events.'),
        h(
          'ol',
          { className: 'feed' },
          ...report.timeline.map((e) =>
            h(
              'li',
              { attrs: { 'data-kind': e.kind } },
              h('time', {}, time(e.start)),
              ' ',
              h('strong', {}, e.kind),
              ' ',
              e.summary,
            ),
          ),
        ),
      ),
      section(
        'Hints',
        'report-hints',
        report.hints.length === 0 && h('p', { className: 'muted' }, 'No hints.'),
        h(
          'ol',
          { className: 'feed' },
          ...report.hints.map((x) =>
            h(
              'li',
              { testid: 'report-hint', attrs: { 'data-kind': x.kind } },
              h('time', {}, time(x.publishedAt ?? x.triggerAt)),
              ' ',
              h('strong', {}, x.kind),
              ` (${x.source}) `,
              x.text,
              x.feedback ? ` — marked ${x.feedback.useful ? 'useful' : 'not useful'}` : '',
              x.recipients.length === 0 && x.drops?.length
                ? ` — not delivered (${[...new Set(x.drops.map((d) => d.reason))].join(', ')})`
                : '',
            ),
          ),
        ),
      ),
      section(
        'Transcript',
        'report-transcript',
        report.transcript.length === 0 &&
          h('p', { className: 'muted' }, 'No transcript (speech-to-text was off).'),
        h(
          'ol',
          { className: 'transcript' },
          ...report.transcript.map((t) =>
            h(
              'li',
              { attrs: { 'data-role': t.role } },
              h('time', {}, time(t.start)),
              ' ',
              h('strong', {}, t.role),
              ' ',
              t.text,
            ),
          ),
        ),
      ),
    );
  }
}
