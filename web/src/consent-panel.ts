import {
  ACCOMMODATION_NAMES,
  ACCOMMODATIONS,
  type Accommodation,
  type ConsentMessage,
  DISCLOSURE,
  type JoinConsent,
  PROTOCOL_VERSION,
} from '@interview-helper/protocol';
import { h } from './dom.js';

/** The consent the join form sends with the token request: the whole disclosure, with any accommodations. */
export function joinConsent(accommodations: readonly Accommodation[]): JoinConsent {
  return {
    disclosureVersion: DISCLOSURE.version,
    groups: ['voice', 'camera'],
    ...(accommodations.length ? { accommodations: [...accommodations] } : {}),
  };
}

/** The `consent` message that gives consent again (after a withdrawal) or withdraws it. */
export function consentMessage(granted: boolean, accommodations: readonly Accommodation[]): ConsentMessage {
  return granted
    ? { v: PROTOCOL_VERSION, type: 'consent', granted: true, ...joinConsent(accommodations) }
    : { v: PROTOCOL_VERSION, type: 'consent', granted: false };
}

/**
 * Checkboxes on the join page for the accommodations a candidate may ask for (ticked = that analysis is not run
 * at all); the organiser's are shown ticked and fixed.
 */
export class AccommodationChoice {
  readonly element: HTMLElement;
  readonly #boxes: Map<Accommodation, HTMLInputElement>;

  constructor(fixed: readonly Accommodation[] = []) {
    this.#boxes = new Map(
      ACCOMMODATION_NAMES.map((a) => [
        a,
        h('input', {
          type: 'checkbox',
          checked: fixed.includes(a),
          disabled: fixed.includes(a),
          testid: `accommodation-${a}`,
        }),
      ]),
    );
    this.element = h(
      'fieldset',
      { className: 'accommodations', testid: 'accommodations' },
      h('legend', {}, 'Accommodations'),
      h(
        'p',
        {},
        'Tick what should not be analysed at all in this interview. No reason is asked or recorded.',
      ),
      ...ACCOMMODATION_NAMES.map((a) => h('label', {}, this.#boxes.get(a), ` ${ACCOMMODATIONS[a].label}`)),
    );
  }

  /** The accommodations ticked. */
  get value(): Accommodation[] {
    return ACCOMMODATION_NAMES.filter((a) => this.#boxes.get(a)?.checked);
  }
}

/**
 * The candidate's control over their consent during the interview: withdraw it (the assistant stops analysing at
 * once) or give it again. Each change is sent to the assistant, which records it.
 */
export class ConsentControls {
  readonly element: HTMLElement;
  #granted = true;
  readonly #button: HTMLButtonElement;
  readonly #status: HTMLElement;

  constructor(
    send: (message: ConsentMessage) => Promise<void>,
    accommodations: readonly Accommodation[] = [],
  ) {
    this.#status = h('p', {
      className: 'consent-status',
      testid: 'consent-status',
      attrs: { 'aria-live': 'polite' },
    });
    this.#button = h('button', { type: 'button', testid: 'consent-toggle' });
    this.#button.addEventListener('click', () => {
      const next = !this.#granted;
      this.#button.disabled = true;
      void send(consentMessage(next, accommodations))
        .then(() => this.#show(next))
        .catch(() => {
          this.#status.dataset.state = 'failed';
          this.#status.textContent =
            'Your choice could not be sent (is the assistant in the room?). Try again.';
        })
        .finally(() => {
          this.#button.disabled = false;
        });
    });
    this.element = h(
      'div',
      { className: 'consent-controls', testid: 'consent-controls' },
      this.#status,
      this.#button,
    );
    this.#show(true);
  }

  #show(granted: boolean): void {
    this.#granted = granted;
    this.#status.dataset.state = granted ? 'granted' : 'withdrawn';
    this.#status.textContent = granted
      ? 'You consented to the analysis described above.'
      : 'You withdrew your consent: nothing of you is analysed.';
    this.#button.textContent = granted ? 'Withdraw consent' : 'Consent again';
  }
}
