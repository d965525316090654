/** Timing of an {@link Episode}'s hysteresis. */
export interface EpisodeTiming {
  /** A condition must hold this long (ms) before its episode starts. */
  enterMs: number;
  /** …and be gone this long before the episode ends. */
  exitMs: number;
}

/**
 * One observable condition with hysteresis in time: it must hold `enterMs` to start and be absent
 * `exitMs` to end, so a single odd frame never starts or ends an episode. Observations made
 * while it runs are kept in `values` for the signal that reports it.
 */
export class Episode<K extends string = string> {
  since = -1;
  clearSince = -1;
  active = false;
  startedAt = 0;
  /** Id of the current (or last) episode, the same on its start and end signals. */
  id = '';
  #count = 0;
  values: Record<string, number>[] = [];
  constructor(
    readonly kind: K,
    readonly opts: EpisodeTiming,
  ) {}

  /** Feeds one observation; returns 'start' / 'end' when the episode changes. */
  observe(t: number, holds: boolean, value: Record<string, number>): 'start' | 'end' | undefined {
    if (holds) {
      this.clearSince = -1;
      if (this.since < 0) this.since = t;
      if (this.active) this.values.push(value);
      else if (t - this.since >= this.opts.enterMs) {
        this.active = true;
        this.startedAt = this.since;
        this.id = `${this.kind}-${Math.round(this.since)}-${++this.#count}`;
        this.values = [value];
        return 'start';
      }
    } else {
      this.since = -1;
      if (this.active) {
        if (this.clearSince < 0) this.clearSince = t;
        if (t - this.clearSince >= this.opts.exitMs) {
          this.active = false;
          return 'end';
        }
      }
    }
    return undefined;
  }

  /**
   * When an observation could next start or end this episode: `enterMs` after its condition began to hold (not yet
   * started), `exitMs` after it began to be absent (started); undefined while nothing is pending.
   */
  decidesAt(): number | undefined {
    if (!this.active) return this.since < 0 ? undefined : this.since + this.opts.enterMs;
    return this.clearSince < 0 ? undefined : this.clearSince + this.opts.exitMs;
  }

  /** The catalogue's episode fields for a message of this episode at `t`. */
  fields(phase: 'start' | 'update' | 'end', t: number) {
    return {
      phase,
      episodeId: this.id,
      durationMs: Math.max(0, Math.round(t - this.startedAt)),
      observations: this.values.length,
    };
  }
}
