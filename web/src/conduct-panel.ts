import type { ConductMessage } from '@interview-helper/protocol';
import { h } from './dom.js';

const KIND_LABELS: Record<ConductMessage['kind'], string> = {
  'protected-topic': 'Protected topic',
  'leading-question': 'Leading question',
  'closed-question': 'Closed questions',
  'talk-share': 'Talk share',
  interruption: 'Cutting in',
  monologue: 'Long turn',
};

/** Options of {@link ConductPanel}. */
export interface ConductPanelOptions {
  /** Most notes shown; older ones are dropped. */
  maxNotes: number;
}

/**
 * "Your conduct": the private notes the assistant sends to this interviewer about their own questions and turns
 * (a protected topic with a lawful rephrase, leading or closed questions, talk share, cutting in, long turns).
 * Only this interviewer receives them; the panel stays hidden until the first one arrives. A note with an id
 * already shown replaces it (e.g. a better rephrase). Protected-topic warnings carry `data-severity="warning"`.
 */
export class ConductPanel {
  readonly element: HTMLElement;
  readonly #list = h('ol', { className: 'conduct-notes', testid: 'conduct-notes' });
  readonly #opts: ConductPanelOptions;
  readonly #byId = new Map<string, HTMLElement>();

  constructor(options: Partial<ConductPanelOptions> = {}) {
    this.#opts = { maxNotes: 30, ...options };
    this.element = h(
      'section',
      { className: 'conduct', testid: 'conduct-panel', hidden: true },
      h('h3', {}, 'Your conduct (only you see this)'),
      this.#list,
    );
  }

  /** Shows a note addressed to `self`; notes about another interviewer are ignored (they never should arrive). */
  add(note: ConductMessage, self: string): void {
    if (note.interviewer !== self) return;
    const item = h(
      'li',
      {
        className: `conduct-note ${note.severity}`,
        testid: 'conduct-note',
        attrs: { 'data-kind': note.kind, 'data-severity': note.severity, 'data-id': note.id },
      },
      h('strong', {}, KIND_LABELS[note.kind]),
      ' ',
      h('span', { className: 'text' }, note.text),
      note.quote ? h('q', { className: 'quote' }, note.quote) : undefined,
      note.rephrase
        ? h('p', { className: 'rephrase', testid: 'conduct-rephrase' }, `Instead: ${note.rephrase}`)
        : undefined,
    );
    const earlier = this.#byId.get(note.id);
    if (earlier) earlier.replaceWith(item);
    else this.#list.prepend(item);
    this.#byId.set(note.id, item);
    while (this.#list.children.length > this.#opts.maxNotes) {
      const last = this.#list.lastElementChild as HTMLElement | null;
      if (!last) break;
      this.#byId.delete(last.dataset.id ?? '');
      last.remove();
    }
    this.element.hidden = false;
  }

  /** Notes shown, newest first (for tests). */
  get size(): number {
    return this.#list.children.length;
  }
}
