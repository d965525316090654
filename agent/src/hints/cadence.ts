/** Options of {@link HintCadence}. */
export interface CadenceOptions {
  /** At most one hint per this many ms to each interviewer, unless a hint of higher priority preempts. */
  minIntervalMs: number;
  /**
   * A hint of at least `urgentPriority` waits only this long after the last one (if shorter than
   * `minIntervalMs`): two urgent moments close together are both shown, a few seconds apart.
   */
  urgentIntervalMs: number;
  /** Priority from which {@link urgentIntervalMs} applies. */
  urgentPriority: number;
  /** Triggers with the same dedupe key within this many ms merge into the first hint. */
  dedupeWindowMs: number;
  /** A hint held back by the interval is dropped for that interviewer after this many ms (a last resort: each hint's own validity window is usually shorter). */
  maxHoldMs: number;
}

export const defaultCadenceOptions: CadenceOptions = {
  minIntervalMs: 15_000,
  urgentIntervalMs: 5000,
  urgentPriority: 3,
  dedupeWindowMs: 60_000,
  maxHoldMs: 60_000,
};

/** What the cadence needs of a hint. */
export interface CadenceHint {
  id: string;
  /** Higher goes first; see `priorities.ts`. */
  priority: number;
  /** What the hint is about (its trigger kind): a newer hint of the same kind supersedes a held one. */
  kind: string;
}

/** Why a hint did not reach an interviewer. */
export type DropReason =
  | 'superseded'
  | 'expired'
  | 'condition-ended'
  | 'held-too-long'
  | 'expired-before-ready';

/** A hint dropped for one interviewer. */
export interface Dropped<H> {
  interviewer: string;
  hint: H;
  reason: DropReason;
}

/** A hint waiting for an interviewer's interval to pass. */
export interface Held<H> {
  hint: H;
  since: number;
}

/**
 * Keeps hints few without letting an urgent one wait: at most one hint per interval to each interviewer
 * (a shorter one for urgent hints), except that a hint of higher priority than the last one sent goes out at
 * once (preemption). A hint held
 * back waits in a per-interviewer queue ordered by priority; a newer hint of the same kind supersedes a held
 * one (it says the same with newer facts), hints of other kinds queue (a look-away does not make an
 * unrelated code finding untrue; each hint's own window decides how long it may wait). Held hints are checked on each
 * {@link due} call and dropped, with a reason, once they are no longer valid: they are never sent late.
 * Near-duplicates (same dedupe key within a window) merge into the first hint.
 */
export class HintCadence<H extends CadenceHint> {
  #o: CadenceOptions;
  #lastSent = new Map<string, { at: number; priority: number }>();
  #held = new Map<string, Held<H>[]>();
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

  /**
   * Offers a ready (and still valid) hint to `interviewers`. Returns those it goes to now (interval passed,
   * or it outranks the last hint they got) and the held hints it superseded; the others hold it. Offering a
   * hint already held for an interviewer updates it in place.
   */
  offer(hint: H, interviewers: readonly string[], now: number): { send: string[]; dropped: Dropped<H>[] } {
    const send: string[] = [];
    const dropped: Dropped<H>[] = [];
    for (const who of interviewers) {
      const held = this.#held.get(who) ?? [];
      const already = held.find((x) => x.hint.id === hint.id);
      const queue = held.filter((x) => x !== already);
      if (this.#open(who, hint.priority, now)) {
        this.#lastSent.set(who, { at: now, priority: hint.priority });
        send.push(who);
        // Held hints of its kind would now only repeat it with older facts.
        this.#setQueue(who, already ? queue : this.#supersede(who, queue, hint, dropped));
        continue;
      }
      // An update of a held hint keeps its place; a new one supersedes held ones of its kind.
      const kept = already ? queue : this.#supersede(who, queue, hint, dropped);
      kept.push({ hint, since: already?.since ?? now });
      this.#setQueue(
        who,
        kept.sort((a, b) => b.hint.priority - a.hint.priority),
      );
    }
    return { send, dropped };
  }

  /**
   * Held hints that may go now (their interviewer's interval passed, or they outrank the last hint sent),
   * one per interviewer, highest priority first; and the held hints `invalid` rejects (or held longer than
   * `maxHoldMs`), dropped with their reason. `invalid` is asked about every held hint on every call.
   */
  due(
    now: number,
    invalid: (hint: H, now: number) => DropReason | undefined = () => undefined,
  ): { send: { interviewer: string; hint: H }[]; dropped: Dropped<H>[] } {
    const send: { interviewer: string; hint: H }[] = [];
    const dropped: Dropped<H>[] = [];
    for (const [who, queue] of this.#held) {
      const live = queue.filter((x) => {
        const reason = now - x.since > this.#o.maxHoldMs ? 'held-too-long' : invalid(x.hint, now);
        if (reason) dropped.push({ interviewer: who, hint: x.hint, reason });
        return !reason;
      });
      const head = live[0];
      if (head && this.#open(who, head.hint.priority, now)) {
        live.shift();
        this.#lastSent.set(who, { at: now, priority: head.hint.priority });
        send.push({ interviewer: who, hint: head.hint });
      }
      this.#setQueue(who, live);
    }
    return { send, dropped };
  }

  /** Hints held for `interviewer`, highest priority first. */
  held(interviewer: string): H[] {
    return (this.#held.get(interviewer) ?? []).map((x) => x.hint);
  }

  /**
   * Records a hint sent before this cadence existed (a session resumed in a new job: the previous job's last
   * deliveries), so the interval to each interviewer goes on from it. An older delivery changes nothing.
   */
  restoreSent(interviewer: string, at: number, priority: number): void {
    const last = this.#lastSent.get(interviewer);
    if (!last || at > last.at) this.#lastSent.set(interviewer, { at, priority });
  }

  /** Forgets an interviewer who left. */
  forget(interviewer: string): void {
    this.#held.delete(interviewer);
    this.#lastSent.delete(interviewer);
  }

  #supersede(who: string, queue: Held<H>[], hint: H, dropped: Dropped<H>[]): Held<H>[] {
    return queue.filter((x) => {
      if (x.hint.kind !== hint.kind) return true;
      dropped.push({ interviewer: who, hint: x.hint, reason: 'superseded' });
      return false;
    });
  }

  #setQueue(who: string, queue: Held<H>[]): void {
    if (queue.length > 0) this.#held.set(who, queue);
    else this.#held.delete(who);
  }

  #open(who: string, priority: number, now: number): boolean {
    const last = this.#lastSent.get(who);
    return last === undefined || now - last.at >= this.intervalFor(priority) || priority > last.priority;
  }

  /** How long a hint of `priority` waits after the last hint (of equal or higher priority) to an interviewer. */
  intervalFor(priority: number): number {
    const o = this.#o;
    return priority >= o.urgentPriority ? Math.min(o.urgentIntervalMs, o.minIntervalMs) : o.minIntervalMs;
  }
}
