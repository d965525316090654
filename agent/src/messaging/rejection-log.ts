import type { InboxStats } from '@interview-helper/protocol';
import type { logger } from '../log.js';

type Logger = ReturnType<typeof logger>;

/** Options of a {@link RejectionLog}. */
export interface RejectionLogOptions {
  /** Rejections logged one by one in each window; the rest are only counted and summed up at the window's end. */
  perWindow: number;
  /** Length of a logging window in ms. */
  windowMs: number;
  /** Clock in ms (tests pass their own). */
  now: () => number;
}

export const defaultRejectionLogOptions: RejectionLogOptions = {
  perWindow: 20,
  windowMs: 10_000,
  now: () => Date.now(),
};

/**
 * Counts what the inbox received, accepted and dropped, and logs the drops without flooding the log: the first
 * `perWindow` rejections of each window one by one, then one summary line per window with the counts per code.
 */
export class RejectionLog {
  #o: RejectionLogOptions;
  #log: Logger;
  #received = 0;
  #accepted = 0;
  #rejected = 0;
  #otherTopics = 0;
  #byCode: Record<string, number> = {};
  #windowStart = 0;
  #inWindow = 0;
  #suppressed: Record<string, number> = {};
  #topicsSeen = new Set<string>();

  constructor(log: Logger, opts: Partial<RejectionLogOptions> = {}) {
    this.#o = { ...defaultRejectionLogOptions, ...opts };
    this.#log = log;
    this.#windowStart = this.#o.now();
  }

  received(): void {
    this.#received++;
  }

  accepted(): void {
    this.#accepted++;
  }

  /** Counts a packet on a topic the agent does not read; logs each such topic once (the first 32 of them). */
  otherTopic(topic: string | undefined): void {
    this.#otherTopics++;
    const name = topic ?? '(none)';
    if (this.#topicsSeen.size >= 32 || this.#topicsSeen.has(name)) return;
    this.#topicsSeen.add(name);
    this.#log.info({ topic: name.slice(0, 100) }, 'packets on a topic the agent does not read are ignored');
  }

  /** Counts a rejection and logs it, or only counts it when this window's log lines are spent. */
  rejected(sender: string, code: string, detail: string): void {
    this.#rejected++;
    this.#byCode[code] = (this.#byCode[code] ?? 0) + 1;
    this.#roll();
    if (this.#inWindow < this.#o.perWindow) {
      this.#inWindow++;
      this.#log.warn({ sender, code, detail: detail.slice(0, 300) }, 'dropped invalid client message');
      return;
    }
    this.#suppressed[code] = (this.#suppressed[code] ?? 0) + 1;
  }

  /** The counts, for the session's stats message. */
  stats(openStreams: number): InboxStats {
    this.#roll();
    return {
      received: this.#received,
      accepted: this.#accepted,
      rejected: this.#rejected,
      byCode: { ...this.#byCode },
      otherTopics: this.#otherTopics,
      openStreams,
    };
  }

  /** Logs what the last window left unlogged, once it is over. */
  flush(): void {
    const suppressed = Object.values(this.#suppressed).reduce((a, b) => a + b, 0);
    if (suppressed > 0)
      this.#log.warn(
        { suppressed, byCode: this.#suppressed, rejectedTotal: this.#rejected },
        `dropped ${suppressed} more invalid client messages (not logged one by one)`,
      );
    this.#suppressed = {};
    this.#inWindow = 0;
    this.#windowStart = this.#o.now();
  }

  #roll(): void {
    if (this.#o.now() - this.#windowStart >= this.#o.windowMs) this.flush();
  }
}
