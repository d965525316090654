import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { MAX_CODE_BYTES } from '@interview-helper/protocol';
import {
  type CodeSync,
  type CodeSyncOptions,
  type CodeSyncState,
  tooLargeMessage,
  utf8Bytes,
} from './code-sync.js';
import { h } from './dom.js';

/** Describes the sync state for the status line. */
function describe(state: CodeSyncState): string {
  switch (state.state) {
    case 'idle':
      return 'Type or paste your code here; the interview assistant reads it.';
    case 'pending':
      return 'Editing…';
    case 'sent':
      return `Shared (revision ${state.revision}, ${state.bytes} bytes)`;
    case 'too-large':
      return tooLargeMessage(state.bytes, state.limit);
    case 'failed':
      return state.code === 'no-agent'
        ? 'Not shared yet: the interview assistant is not in the room. It is sent when it joins.'
        : `Not shared: ${state.message}`;
  }
}

/**
 * The candidate's code pad: a CodeMirror 6 editor whose document is sent to the agent (see {@link CodeSync}).
 * An edit that would take the document over the limit (e.g. a huge paste) is refused with a clear message.
 * The root is `data-testid="code-pad"`; the status line `code-status` carries `data-state`.
 */
export class CodePad {
  readonly element: HTMLElement;
  readonly view: EditorView;
  readonly #sync: CodeSync;
  readonly #editable = new Compartment();
  readonly #status = h('p', {
    className: 'code-status',
    testid: 'code-status',
    attrs: { 'data-state': 'idle' },
  });

  constructor(
    sync: (onState: (s: CodeSyncState) => void) => CodeSync,
    options: Partial<CodeSyncOptions> = {},
  ) {
    const limit = options.maxBytes ?? MAX_CODE_BYTES;
    this.#sync = sync((s) => this.#show(s));
    const refuseOversize = EditorState.transactionFilter.of((tr) => {
      if (!tr.docChanged || tr.newDoc.length <= limit / 3) return tr;
      const bytes = utf8Bytes(tr.newDoc.toString());
      if (bytes <= limit) return tr;
      this.#show({ state: 'too-large', bytes, limit });
      return [];
    });
    this.view = new EditorView({
      state: EditorState.create({
        doc: '',
        extensions: [
          lineNumbers(),
          history(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          javascript(),
          refuseOversize,
          this.#editable.of(EditorView.editable.of(true)),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) this.#sync.update(u.state.doc.toString());
          }),
          EditorView.contentAttributes.of({ 'aria-label': 'Code pad', 'data-testid': 'code-editor' }),
        ],
      }),
    });
    this.element = h(
      'section',
      { className: 'code-pad', testid: 'code-pad' },
      h('h2', {}, 'Code pad'),
      this.view.dom,
      this.#status,
    );
    this.#show({ state: 'idle' });
  }

  /** Sends the document now if it has unsent changes (e.g. when the assistant joins). */
  flush(): Promise<void> {
    return this.#sync.flush();
  }

  #show(state: CodeSyncState): void {
    this.#status.dataset.state = state.state;
    this.#status.textContent = describe(state);
    this.#status.classList.toggle('error', state.state === 'too-large' || state.state === 'failed');
  }

  /** Stops syncing and makes the pad read-only (the candidate left or the interview ended). */
  close(reason: string): void {
    this.#sync.dispose();
    this.view.dispatch({ effects: this.#editable.reconfigure(EditorView.editable.of(false)) });
    this.#status.dataset.state = 'closed';
    this.#status.textContent = reason;
    this.#status.classList.remove('error');
  }

  dispose(): void {
    this.#sync.dispose();
    this.view.destroy();
  }
}
