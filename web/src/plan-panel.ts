import {
  type CoverageMessage,
  type InterviewPlan,
  interviewPlanSchema,
  type PlanMessage,
} from '@interview-helper/protocol';
import { h } from './dom.js';

const STATUS_LABEL: Record<string, string> = {
  'not-asked': 'not asked',
  asked: 'asked',
  answered: 'answered',
};

/** "12 min" from two minutes up, "45 s" below. */
export function formatLeft(minutes: number): string {
  if (minutes <= 0) return 'no time';
  return minutes >= 2 ? `${Math.round(minutes)} min` : `${Math.round(minutes * 60)} s`;
}

/** The panel's headline: items asked and the time left, e.g. "3 of 5 asked · 12 min left". */
export function coverageHeadline(plan: InterviewPlan, coverage: CoverageMessage | undefined): string {
  if (!coverage) return `0 of ${plan.items.length} asked · ${plan.durationMinutes} min planned`;
  const asked = coverage.items.length - coverage.itemsLeft;
  const time =
    coverage.startedAt === undefined
      ? `${plan.durationMinutes} min planned`
      : `${formatLeft(coverage.minutesLeft)} left`;
  return `${asked} of ${coverage.items.length} asked · ${time}${coverage.timeShort ? ` · ${coverage.itemsLeft} left will not fit` : ''}`;
}

/** Parses an edited plan (JSON text) or says what is wrong with it. */
export function parsePlanText(
  text: string,
): { ok: true; plan: InterviewPlan } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `not valid JSON: ${(err as Error).message}` };
  }
  const parsed = interviewPlanSchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      message: parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || 'plan'}: ${i.message}`)
        .join('; '),
    };
  return { ok: true, plan: parsed.data };
}

/**
 * The interview plan and its live coverage, for interviewers: every item with its competency, question, the
 * keywords the matcher listens for, its rubric, whether it was asked and what the candidate said on it (latest
 * statements with their time), the time left against the items left, and an editor that sends the edited plan to
 * the agent. Root `data-testid="plan-panel"` with `data-revision`, `data-time-short`; items `data-item`,
 * `data-status`.
 */
export class PlanPanel {
  readonly element: HTMLElement;
  readonly #headline = h('p', { className: 'plan-headline', testid: 'plan-headline' }, 'No interview plan.');
  readonly #list = h('ol', { className: 'plan-items', testid: 'plan-items' });
  readonly #editor = h('textarea', {
    className: 'plan-editor',
    testid: 'plan-editor',
    rows: 12,
    spellcheck: false,
  });
  readonly #editStatus = h('p', { className: 'status', testid: 'plan-edit-status', role: 'status' });
  readonly #details: HTMLDetailsElement;
  #plan?: PlanMessage;
  #coverage?: CoverageMessage;

  constructor(onEdit: (plan: InterviewPlan) => Promise<void>) {
    const save = h('button', { type: 'button', testid: 'plan-save' }, 'Send the edited plan');
    save.addEventListener('click', () => {
      const parsed = parsePlanText(this.#editor.value);
      if (!parsed.ok) {
        this.#editStatus.textContent = parsed.message;
        this.#editStatus.dataset.state = 'invalid';
        return;
      }
      this.#editStatus.textContent = 'Sending…';
      this.#editStatus.dataset.state = 'sending';
      onEdit(parsed.plan).then(
        () => {
          this.#editStatus.textContent = 'Sent; the plan updates when the assistant confirms it.';
          this.#editStatus.dataset.state = 'sent';
        },
        (err: unknown) => {
          this.#editStatus.textContent = `Not sent: ${(err as Error).message}`;
          this.#editStatus.dataset.state = 'error';
        },
      );
    });
    this.#details = h(
      'details',
      { className: 'plan-edit' },
      h('summary', {}, 'Edit the plan'),
      this.#editor,
      save,
      this.#editStatus,
    );
    this.element = h(
      'section',
      {
        className: 'plan',
        testid: 'plan-panel',
        hidden: true,
        attrs: { 'data-revision': '0', 'data-time-short': 'false' },
      },
      h('h3', {}, 'Interview plan'),
      this.#headline,
      this.#list,
      this.#details,
    );
  }

  /** A plan message (a new revision replaces the shown plan). */
  setPlan(message: PlanMessage): void {
    if (this.#plan && message.revision < this.#plan.revision) return;
    this.#plan = message;
    if (this.#coverage && this.#coverage.revision !== message.revision) this.#coverage = undefined;
    if (!this.#details.open) this.#editor.value = JSON.stringify(message.plan, null, 2);
    this.element.hidden = false;
    this.element.dataset.revision = String(message.revision);
    this.#render();
  }

  /** A coverage message (for the shown revision). */
  setCoverage(message: CoverageMessage): void {
    if (this.#plan && message.revision < this.#plan.revision) return;
    if (this.#coverage && message.at < this.#coverage.at) return;
    this.#coverage = message;
    this.element.dataset.timeShort = String(message.timeShort);
    this.#render();
  }

  #render(): void {
    const plan = this.#plan?.plan;
    if (!plan) return;
    const coverage = this.#coverage;
    const start = coverage?.startedAt;
    this.#headline.textContent = coverageHeadline(plan, coverage);
    this.#headline.classList.toggle('warning', coverage?.timeShort === true);
    const byId = new Map((coverage?.items ?? []).map((i) => [i.id, i]));
    this.#list.replaceChildren(
      ...plan.items.map((item) => {
        const c = byId.get(item.id);
        const status = c?.status ?? 'not-asked';
        const at = (t: number) =>
          start === undefined ? '' : `${Math.max(0, Math.round((t - start) / 1000))} s`;
        return h(
          'li',
          {
            className: `plan-item ${status}${coverage?.current === item.id ? ' current' : ''}`,
            testid: 'plan-item',
            attrs: { 'data-item': item.id, 'data-status': status },
          },
          h('span', { className: 'plan-status' }, STATUS_LABEL[status] ?? status),
          ' ',
          h('strong', {}, item.competency),
          ': ',
          item.question,
          c && c.candidateSeconds > 0
            ? h(
                'span',
                { className: 'muted' },
                ` — candidate ${Math.round(c.candidateSeconds)} s, ${c.candidateWords} words`,
              )
            : '',
          item.keywords.length > 0 &&
            h('p', { className: 'muted plan-keywords' }, `listens for: ${item.keywords.join(', ')}`),
          item.rubric && h('p', { className: 'muted plan-rubric' }, `rubric: ${item.rubric}`),
          c && c.evidence.length > 0
            ? h(
                'ul',
                { className: 'plan-evidence' },
                ...c.evidence.map((e) =>
                  h(
                    'li',
                    { attrs: { 'data-segment': e.segmentId } },
                    h('time', {}, at(e.start)),
                    ' ',
                    `“${e.text}”`,
                  ),
                ),
              )
            : '',
        );
      }),
    );
  }
}
