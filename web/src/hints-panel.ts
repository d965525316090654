import type { HintDetail, HintMessage, HintWhy, SignalMessage } from '@interview-helper/protocol';
import { h } from './dom.js';

/** Options of {@link SignalIndex}. */
export interface SignalIndexOptions {
  /** Most signals remembered for evidence lookups. */
  maxSignals: number;
}

/** Recent signals by id, so a hint's evidence can be shown; the oldest are forgotten first. */
export class SignalIndex {
  readonly #max: number;
  readonly #byId = new Map<string, SignalMessage>();

  constructor(options: Partial<SignalIndexOptions> = {}) {
    this.#max = options.maxSignals ?? 2000;
  }

  add(signal: SignalMessage): void {
    this.#byId.delete(signal.id);
    this.#byId.set(signal.id, signal);
    if (this.#byId.size > this.#max) {
      const oldest = this.#byId.keys().next().value;
      if (oldest !== undefined) this.#byId.delete(oldest);
    }
  }

  /** The evidence of a hint as display lines; ids not seen (yet) are listed as such. */
  evidence(hint: HintMessage): { id: string; kind: string; text: string }[] {
    return hint.evidence.map((id) => {
      const s = this.#byId.get(id);
      return s
        ? { id, kind: s.kind, text: s.summary || JSON.stringify(s.values).slice(0, 200) }
        : { id, kind: 'signal', text: `${id} (not received)` };
    });
  }
}

/** What the panel sends: feedback on a hint, or a new detail level. */
export type HintAction =
  | { type: 'feedback'; hintId: string; useful: boolean }
  | { type: 'detail'; detail: HintDetail };

const pct = (n: number) => `${Math.round(n * 100)}%`;

const PRIORITY_NAMES: Record<number, string> = { 3: 'high', 2: 'medium', 1: 'low' };
/** Seconds of `at` relative to `from`, signed: `+1.5 s`, `-8.0 s`. */
const rel = (at: number, from: number) =>
  `${at >= from ? '+' : '-'}${(Math.abs(at - from) / 1000).toFixed(1)} s`;
const pairs = (r: Record<string, number | string | boolean>) =>
  Object.entries(r)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : v}`)
    .join(', ');

/**
 * The "why" block of a hint as labelled lines: trigger and priority, who wrote it, its timeline (relative
 * to the trigger moment), the facts it quotes, the thresholds that fired, the inputs with their times, and
 * related triggers merged into it.
 */
export function whyLines(why: HintWhy): { label: string; text: string }[] {
  const t0 = why.triggerAt;
  const lines = [
    { label: 'Trigger', text: `${why.trigger} (priority ${PRIORITY_NAMES[why.priority] ?? why.priority})` },
    { label: 'Source', text: `${why.source}, confidence ${pct(why.confidence)}` },
    {
      label: 'Timeline',
      text: [
        `trigger ${new Date(t0).toLocaleTimeString()}`,
        `decided ${rel(why.decidedAt, t0)}`,
        why.sentAt !== undefined ? `sent ${rel(why.sentAt, t0)}` : 'not sent',
        `valid until ${rel(why.validUntil, t0)}`,
      ].join(' · '),
    },
    { label: 'Facts', text: pairs(why.facts) || '—' },
    { label: 'Thresholds', text: pairs(why.thresholds) || '—' },
    ...why.inputs.map((i) => ({
      label: 'Input',
      text: [
        `${i.kind} ${i.id}`,
        i.at !== undefined ? `at ${rel(i.at, t0)}` : '',
        i.start !== undefined && i.start !== i.at ? `(from ${rel(i.start, t0)})` : '',
        i.values ? pairs(i.values) : '',
      ]
        .filter(Boolean)
        .join(' '),
    })),
    ...(why.merged ?? []).map((m) => ({
      label: 'Merged',
      text: `${m.trigger} at ${rel(m.at, t0)}${Object.keys(m.facts).length ? `: ${pairs(m.facts)}` : ''}`,
    })),
  ];
  return lines;
}

/**
 * The interviewer's live hints (newest first), each with its evidence, its "why" block (collapsed) and feedback
 * buttons, and the detail-level control. `data-testid`s: `hints` (root, `data-count`), `hint` (with `data-kind`,
 * `data-feedback`, `data-updates`), `hint-text`, `hint-evidence`, `hint-why`, `hint-useful`, `hint-not-useful`,
 * `hint-detail` (a select).
 */
export class HintsPanel {
  readonly element: HTMLElement;
  readonly #list = h('ol', { className: 'hints', testid: 'hint-list' });
  readonly #empty = h('p', { className: 'muted', testid: 'hints-empty' }, 'No hints yet.');
  readonly #status = h('p', { className: 'muted', testid: 'hints-status', role: 'status' });
  readonly #items = new Map<string, HTMLElement>();
  readonly #act: (action: HintAction) => Promise<void>;

  constructor(act: (action: HintAction) => Promise<void>) {
    this.#act = act;
    const detail = h(
      'select',
      { testid: 'hint-detail', name: 'detail' },
      ...(['minimal', 'normal', 'verbose'] as const).map((d) =>
        h('option', { value: d, selected: d === 'normal' }, d),
      ),
    );
    detail.addEventListener('change', () =>
      this.#run({ type: 'detail', detail: detail.value as HintDetail }, `Detail level: ${detail.value}`),
    );
    this.element = h(
      'section',
      { className: 'hints-panel', testid: 'hints', attrs: { 'data-count': '0' } },
      h('h2', {}, 'Hints ', h('label', { className: 'detail' }, 'detail ', detail)),
      this.#status,
      this.#empty,
      this.#list,
    );
  }

  /** Shows a hint; a hint with an id already shown replaces it in place (a related trigger was merged into it). */
  add(hint: HintMessage, evidence: { id: string; kind: string; text: string }[]): void {
    const known = this.#items.get(hint.id);
    if (known) {
      const whyOpen = known.querySelector<HTMLDetailsElement>('details.why')?.open ?? false;
      known.querySelector('.hint-body')?.replaceWith(this.#body(hint, evidence, whyOpen));
      known.querySelector('.hint-head')?.replaceWith(this.#head(hint));
      known.dataset.updates = String(Number(known.dataset.updates ?? '0') + 1);
      return;
    }
    const useful = h('button', { type: 'button', testid: 'hint-useful', title: 'Useful' }, 'Useful');
    const notUseful = h(
      'button',
      { type: 'button', testid: 'hint-not-useful', title: 'Not useful' },
      'Not useful',
    );
    const item = h(
      'li',
      { className: 'hint', testid: 'hint', attrs: { 'data-kind': hint.kind, 'data-id': hint.id } },
      this.#head(hint),
      this.#body(hint, evidence, false),
      h('p', { className: 'feedback' }, useful, ' ', notUseful),
    );
    const vote = (value: boolean) => {
      useful.disabled = notUseful.disabled = true;
      item.dataset.feedback = value ? 'useful' : 'not-useful';
      (value ? useful : notUseful).classList.add('chosen');
      this.#run({ type: 'feedback', hintId: hint.id, useful: value }, 'Thanks, feedback sent.');
    };
    useful.addEventListener('click', () => vote(true));
    notUseful.addEventListener('click', () => vote(false));
    this.#items.set(hint.id, item);
    this.#list.prepend(item);
    this.#empty.hidden = true;
    this.element.dataset.count = String(this.#items.size);
  }

  #head(hint: HintMessage): HTMLElement {
    return h(
      'p',
      { className: 'hint-head' },
      h('strong', {}, hint.kind),
      ` · ${hint.source === 'llm' ? 'AI' : 'rule'} · ${pct(hint.confidence)} · `,
      h(
        'time',
        { dateTime: new Date(hint.createdAt).toISOString() },
        new Date(hint.createdAt).toLocaleTimeString(),
      ),
    );
  }

  /** The text, the evidence and the why block (collapsed unless `whyOpen`). */
  #body(
    hint: HintMessage,
    evidence: { id: string; kind: string; text: string }[],
    whyOpen: boolean,
  ): HTMLElement {
    return h(
      'div',
      { className: 'hint-body' },
      h('p', { className: 'hint-text', testid: 'hint-text' }, hint.text),
      evidence.length > 0 &&
        h(
          'details',
          { className: 'evidence' },
          h('summary', {}, `Evidence (${evidence.length})`),
          h(
            'ul',
            { testid: 'hint-evidence' },
            ...evidence.map((e) =>
              h('li', { attrs: { 'data-kind': e.kind } }, h('code', {}, e.kind), ' ', e.text),
            ),
          ),
        ),
      hint.why !== undefined &&
        h(
          'details',
          { className: 'why', testid: 'hint-why', open: whyOpen },
          h('summary', {}, 'Why'),
          h(
            'dl',
            {},
            ...whyLines(hint.why).flatMap((line) => [h('dt', {}, line.label), h('dd', {}, line.text)]),
          ),
        ),
    );
  }

  #run(action: HintAction, done: string): void {
    this.#act(action).then(
      () => {
        this.#status.textContent = done;
      },
      (error: Error) => {
        this.#status.textContent = `Could not send: ${error.message}`;
      },
    );
  }
}
