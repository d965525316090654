/** Options of {@link HintCadence}. */
export interface CadenceOptions {
  /** At most one hint per this many ms to each interviewer. */
  minIntervalMs: number;
  /** Triggers with the same dedupe key within this many ms merge into the first hint. */
  dedupeWindowMs: number;
  /** A hint held back by the interval is dropped for that interviewer after this many ms. */
  maxHoldMs: number;
}

export const defaultCadenceOptions: CadenceOptions = {
  minIntervalMs: 15_000,
  dedupeWindowMs: 60_000,
  maxHoldMs: 60_000,
};

/** A hint waiting for an interviewer's interval to pass. */
export interface Held<H> {
  hint: H;
  since: number;
}

/**
 * Keeps hints few: at most one per interval to each interviewer (a hint held back waits, and a newer one
 * replaces it), and near-duplicates (same dedupe key within a window) merge into the first hint.
 */
export class HintCadence<H extends { id: string }> {
  #o: CadenceOptions;
  #lastSent = new Map<string, number>();
  #held = new Map<string, Held<H>>();
  #recent = new Map<string, { id: string; at: number }>();

  constructor(opts: Partial<CadenceOptions> = {}) {
    this.#o = { ...defaultCadenceOptions, ...opts };
    if (!(this.#o.minIntervalMs >= 0)) throw new RangeError('minIntervalMs must be >= 0');
  }

  /**
   * Claims a dedupe key: returns the id of the hint it merges into when a near-duplicate was claimed
   * within the window, else records `id` under the key and returns undefined.
   */
  claim(key: string, id: string, now: number): string | undefined {
    for (const [k, v] of this.#recent) if (now - v.at > this.#o.dedupeWindowMs) this.#recent.delete(k);
    const prior = this.#recent.get(key);
    if (prior) return prior.id;
    this.#recent.set(key, { id, at: now });
    return undefined;
  }

  /** Offers a ready hint to `interviewers`; returns those it may go to now (the others hold it). */
  offer(hint: H, interviewers: readonly string[], now: number): string[] {
    const now_: string[] = [];
    for (const who of interviewers) {
      if (this.#open(who, now)) {
        this.#lastSent.set(who, now);
        now_.push(who);
      } else {
        this.#held.set(who, { hint, since: now });
      }
    }
    return now_;
  }

  /** Held hints whose interviewer's interval has passed (each is handed out once). */
  due(now: number): { interviewer: string; hint: H }[] {
    const out: { interviewer: string; hint: H }[] = [];
    for (const [who, held] of this.#held) {
      if (now - held.since > this.#o.maxHoldMs) {
        this.#held.delete(who);
        continue;
      }
      if (this.#open(who, now)) {
        this.#held.delete(who);
        this.#lastSent.set(who, now);
        out.push({ interviewer: who, hint: held.hint });
      }
    }
    return out;
  }

  /** Forgets an interviewer who left. */
  forget(interviewer: string): void {
    this.#held.delete(interviewer);
    this.#lastSent.delete(interviewer);
  }

  #open(who: string, now: number): boolean {
    const last = this.#lastSent.get(who);
    return last === undefined || now - last >= this.#o.minIntervalMs;
  }
}
