import { type CodeUpdateMessage, MAX_CODE_BYTES, PROTOCOL_VERSION } from '@interview-helper/protocol';

/** Where the code pad stands with the agent. */
export type CodeSyncState =
  | { state: 'idle' }
  | { state: 'pending'; revision: number }
  | { state: 'sent'; revision: number; bytes: number }
  | { state: 'too-large'; bytes: number; limit: number }
  | { state: 'failed'; revision: number; code: string; message: string };

/** Options of {@link CodeSync}. */
export interface CodeSyncOptions {
  /** Quiet time after the last edit before the document is sent, in ms. */
  debounceMs: number;
  /** Largest document sent, in UTF-8 bytes. */
  maxBytes: number;
  language: string;
}

export const defaultCodeSyncOptions: CodeSyncOptions = {
  debounceMs: 800,
  maxBytes: MAX_CODE_BYTES,
  language: 'javascript',
};

const encoder = new TextEncoder();

/** UTF-8 size of a text. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength;
}

/** A limit message for the candidate, in KiB. */
export function tooLargeMessage(bytes: number, limit: number): string {
  const kib = (n: number) => `${Math.ceil(n / 1024)} KiB`;
  return `The code pad holds at most ${kib(limit)}; this would make it ${kib(bytes)}. Nothing was pasted or sent.`;
}

/**
 * Sends the code pad's document to the agent as `code` messages: debounced, with an increasing revision, only
 * when the text changed, and never over the size limit (that state is reported instead). A failed send is
 * reported and retried by {@link CodeSync.flush}.
 */
export class CodeSync {
  readonly #opts: CodeSyncOptions;
  readonly #send: (message: CodeUpdateMessage) => Promise<void>;
  readonly #onState: (state: CodeSyncState) => void;
  #revision = 0;
  #text: string | undefined;
  #sentText: string | undefined;
  #sending: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    send: (message: CodeUpdateMessage) => Promise<void>,
    onState: (state: CodeSyncState) => void,
    options: Partial<CodeSyncOptions> = {},
  ) {
    this.#opts = { ...defaultCodeSyncOptions, ...options };
    this.#send = send;
    this.#onState = onState;
  }

  /** The editor's text changed. */
  update(text: string): void {
    this.#text = text;
    clearTimeout(this.#timer);
    const bytes = utf8Bytes(text);
    if (bytes > this.#opts.maxBytes) {
      this.#onState({ state: 'too-large', bytes, limit: this.#opts.maxBytes });
      return;
    }
    this.#onState({ state: 'pending', revision: this.#revision + 1 });
    this.#timer = setTimeout(() => void this.flush(), this.#opts.debounceMs);
  }

  /** Sends the latest text now if it was not sent yet. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    const text = this.#text;
    if (text === undefined || text === this.#sentText || text === this.#sending) return;
    const bytes = utf8Bytes(text);
    if (bytes > this.#opts.maxBytes) return;
    const revision = ++this.#revision;
    this.#sending = text;
    try {
      await this.#send({ v: PROTOCOL_VERSION, type: 'code', revision, language: this.#opts.language, text });
      this.#sentText = text;
      if (this.#text === text) this.#onState({ state: 'sent', revision, bytes });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      this.#onState({
        state: 'failed',
        revision,
        code: typeof code === 'string' ? code : 'send-failed',
        message: (error as Error).message,
      });
    } finally {
      this.#sending = undefined;
    }
  }

  /** Stops the pending send. */
  dispose(): void {
    clearTimeout(this.#timer);
  }
}
