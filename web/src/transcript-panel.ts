import { h } from './dom.js';
import { type TranscriptLine, TranscriptLog } from './transcript.js';

const label = (line: TranscriptLine) =>
  line.role === 'unknown' ? line.speaker : line.role === 'candidate' ? 'Candidate' : 'Interviewer';

/** Line attributes: role, segment id, and whether the text is final (interim text ends with an ellipsis). */
const lineAttrs = (l: TranscriptLine) => ({
  'data-role': l.role,
  'data-id': l.id,
  'data-final': String(l.final),
});
const textOf = (l: TranscriptLine) => (l.final ? l.text : `${l.text} …`);

/**
 * The live transcript of both speakers (interviewers): `data-testid="transcript"` with `data-count`, one
 * `transcript-line` per segment (with `data-role`, `data-id`, `data-final`), oldest first, scrolled to the
 * newest. An interim line (realtime STT) is replaced in place by its final text, or removed if it has none.
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
    if (!this.#log.add(line)) return;
    this.#list.replaceChildren(
      ...this.#log.lines.map((l) =>
        h(
          'li',
          { testid: 'transcript-line', attrs: lineAttrs(l) },
          h('time', {}, new Date(l.at).toLocaleTimeString()),
          ' ',
          h('strong', {}, label(l)),
          ' ',
          textOf(l),
        ),
      ),
    );
    this.element.dataset.count = String(this.#log.lines.length);
    this.#list.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }
}

/** Captions for the candidate: the last two lines of the conversation (`data-testid="captions"`), interim ones too. */
export class Captions {
  readonly element = h('div', {
    className: 'captions',
    testid: 'captions',
    attrs: { 'aria-live': 'polite' },
  });
  readonly #log = new TranscriptLog({ maxLines: 2 });

  add(line: TranscriptLine): void {
    if (!this.#log.add(line)) return;
    this.element.replaceChildren(
      ...this.#log.lines.map((l) =>
        h('p', { testid: 'caption-line', attrs: lineAttrs(l) }, h('strong', {}, `${label(l)}: `), textOf(l)),
      ),
    );
  }
}
