import { h } from './dom.js';
import { type TranscriptLine, TranscriptLog } from './transcript.js';

const label = (line: TranscriptLine) =>
  line.role === 'unknown' ? line.speaker : line.role === 'candidate' ? 'Candidate' : 'Interviewer';

/**
 * The live transcript of both speakers (interviewers): `data-testid="transcript"` with `data-count`, one
 * `transcript-line` per segment (with `data-role`), oldest first, scrolled to the newest.
 */
export class TranscriptPanel {
  readonly element: HTMLElement;
  readonly #log = new TranscriptLog();
  readonly #list = h('ol', { className: 'transcript' });

  constructor() {
    this.element = h(
      'section',
      { className: 'transcript-panel', testid: 'transcript', attrs: { 'data-count': '0' } },
      h('h2', {}, 'Transcript'),
      h(
        'p',
        { className: 'muted' },
        'Finished sentences of both speakers appear here when speech-to-text is on.',
      ),
      this.#list,
    );
  }

  add(line: TranscriptLine): void {
    this.#log.add(line);
    this.#list.replaceChildren(
      ...this.#log.lines.map((l) =>
        h(
          'li',
          { testid: 'transcript-line', attrs: { 'data-role': l.role, 'data-id': l.id } },
          h('time', {}, new Date(l.at).toLocaleTimeString()),
          ' ',
          h('strong', {}, label(l)),
          ' ',
          l.text,
        ),
      ),
    );
    this.element.dataset.count = String(this.#log.lines.length);
    this.#list.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }
}

/** Captions for the candidate: the last two lines of the conversation (`data-testid="captions"`). */
export class Captions {
  readonly element = h('div', {
    className: 'captions',
    testid: 'captions',
    attrs: { 'aria-live': 'polite' },
  });
  readonly #log = new TranscriptLog({ maxLines: 2 });

  add(line: TranscriptLine): void {
    this.#log.add(line);
    this.element.replaceChildren(
      ...this.#log.lines.map((l) =>
        h(
          'p',
          { testid: 'caption-line', attrs: { 'data-role': l.role } },
          h('strong', {}, `${label(l)}: `),
          l.text,
        ),
      ),
    );
  }
}
