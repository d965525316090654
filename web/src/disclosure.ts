import { DISCLOSURE, OPT_OUT_GROUPS, type OptOutMessage } from '@interview-helper/protocol';
import { h } from './dom.js';
import { OPT_OUT_GROUP_NAMES, OptOutChoice, type OptOutState } from './opt-out.js';

/** What the agent analyses, as told to candidates before they consent (the protocol's versioned disclosure). */
export const DISCLOSURE_ITEMS: readonly string[] = DISCLOSURE.items;

const STATE_TEXT: Record<OptOutState, string> = {
  sent: 'Your choice is in effect.',
  waiting: 'Your choice will be sent when the assistant joins.',
  failed: 'Your choice could not be sent; change it again to retry.',
};

/**
 * Checkboxes to switch analysis groups off, for sessions that allow it (ticked = analysed). Each change is sent
 * to the agent; interviewers are told which groups are off. Captions and the transcript go on.
 */
export class OptOutControls {
  readonly element: HTMLElement;
  readonly #choice: OptOutChoice;

  constructor(send: (message: OptOutMessage) => Promise<void>) {
    const status = h('p', {
      className: 'opt-out-status',
      testid: 'opt-out-status',
      attrs: { 'aria-live': 'polite' },
    });
    this.#choice = new OptOutChoice(send, (state) => {
      status.dataset.state = state;
      status.textContent = STATE_TEXT[state];
    });
    const boxes = OPT_OUT_GROUP_NAMES.map((group) => {
      const box = h('input', { type: 'checkbox', checked: true, testid: `opt-out-${group}` });
      box.addEventListener('change', () => void this.#choice.set(group, box.checked));
      const label = OPT_OUT_GROUPS[group].label;
      return h('label', {}, box, ` Analyse ${label.charAt(0).toLowerCase()}${label.slice(1)}`);
    });
    this.element = h(
      'fieldset',
      { className: 'opt-out', testid: 'opt-out' },
      h('legend', {}, 'Your choice'),
      h(
        'p',
        {},
        'This interview lets you switch parts of the analysis off. Unticked parts produce no signals or hints from then on; the interviewers are told which parts you switched off. Captions and the transcript are not affected.',
      ),
      ...boxes,
      status,
    );
  }

  /** Sends the choice again (call when the assistant joins). */
  flush(): Promise<void> {
    return this.#choice.flush();
  }
}

/** The disclosure block shown to candidates (on the join form and during the interview), with the opt-out if any. */
export function disclosure(optOut?: OptOutControls, extra?: HTMLElement): HTMLElement {
  return h(
    'section',
    { className: 'disclosure', testid: 'disclosure' },
    h('h2', {}, 'What the interview assistant analyses'),
    h('p', {}, 'An automated assistant joins this call and analyses your camera and microphone:'),
    h('ul', {}, ...DISCLOSURE_ITEMS.map((item) => h('li', {}, item))),
    h('p', { className: 'note' }, `Disclosure version ${DISCLOSURE.version}.`),
    extra,
    optOut?.element,
  );
}
