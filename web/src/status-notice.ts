import { h } from './dom.js';

/** What the interviewer is told while a part of the session is not well: a state, a title and a detail. */
export interface Notice {
  state: string;
  title: string;
  detail: string;
}

/**
 * A status element of the interviewer view (`role="status"`, `data-testid`, `data-state`): hidden while all is
 * well, else the bold title of one {@link Notice} followed by its detail.
 */
export class StatusNotice {
  readonly element: HTMLElement;

  constructor(className: string, testid = className) {
    this.element = h('div', {
      className,
      testid,
      hidden: true,
      attrs: { role: 'status', 'data-state': 'ok' },
    });
  }

  /** Shows `notice`, or hides the element when there is none. */
  protected show(notice: Notice | undefined): void {
    this.element.hidden = !notice;
    this.element.dataset.state = notice?.state ?? 'ok';
    this.element.replaceChildren(...(notice ? [h('strong', {}, notice.title), ' ', notice.detail] : []));
  }
}
