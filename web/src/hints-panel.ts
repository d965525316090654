import type { HintDetail, HintMessage, SignalMessage } from '@interview-helper/protocol';
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

/**
 * The interviewer's live hints (newest first), each with its evidence and feedback buttons, and the detail-level
 * control. `data-testid`s: `hints` (root, `data-count`), `hint` (with `data-kind`, `data-feedback`),
 * `hint-evidence`, `hint-useful`, `hint-not-useful`, `hint-detail` (a select).
 */
export class HintsPanel {
  readonly element: HTMLElement;
  readonly #list = h('ol', { className: 'hints', testid: 'hint-list' });
  readonly #empty = h('p', { className: 'muted', testid: 'hints-empty' }, 'No hints yet.');
  readonly #status = h('p', { className: 'muted', testid: 'hints-status', role: 'status' });
  readonly #seen = new Set<string>();
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

  /** Shows a hint (a repeated id is ignored). */
  add(hint: HintMessage, evidence: { id: string; kind: string; text: string }[]): void {
    if (this.#seen.has(hint.id)) return;
    this.#seen.add(hint.id);
    const useful = h('button', { type: 'button', testid: 'hint-useful', title: 'Useful' }, 'Useful');
    const notUseful = h(
      'button',
      { type: 'button', testid: 'hint-not-useful', title: 'Not useful' },
      'Not useful',
    );
    const item = h(
      'li',
      { className: 'hint', testid: 'hint', attrs: { 'data-kind': hint.kind, 'data-id': hint.id } },
      h(
        'p',
        { className: 'hint-head' },
        h('strong', {}, hint.kind),
        ` · ${hint.source === 'llm' ? 'AI' : 'rule'} · ${pct(hint.confidence)} · `,
        h(
          'time',
          { dateTime: new Date(hint.createdAt).toISOString() },
          new Date(hint.createdAt).toLocaleTimeString(),
        ),
      ),
      h('p', { className: 'hint-text' }, hint.text),
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
    this.#list.prepend(item);
    this.#empty.hidden = true;
    this.element.dataset.count = String(this.#seen.size);
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
