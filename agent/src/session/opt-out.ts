import { OPT_OUT_GROUPS, type OptOutGroup, type SignalMessage } from '@interview-helper/protocol';
import type { SignalDraft } from '../analysers/analyser.js';

/** Options of an {@link OptOutFilter}. */
export interface OptOutFilterOptions {
  /** Whether the session lets the candidate switch analysis groups off (session setting `allowOptOut`). */
  allowed: boolean;
}

export const defaultOptOutFilterOptions: OptOutFilterOptions = { allowed: false };

/** What applying a candidate's choice did. */
export type OptOutChange =
  | { status: 'not-allowed' }
  | { status: 'unchanged'; groups: OptOutGroup[] }
  | { status: 'changed'; groups: OptOutGroup[] };

/** Signals from the agent itself (session notices) are never suppressed. */
const SESSION_ANALYSER = 'session';

/** A stretch of wall-clock time during which a group was switched off. */
interface OffStretch {
  group: OptOutGroup;
  from: number;
  to: number;
}

/** Past stretches kept (a candidate switching a group off and on this often in one session is not expected). */
const MAX_STRETCHES = 256;

/**
 * The candidate's per-group opt-out for one session. Each choice replaces the previous one; from then on
 * {@link suppresses} says which signals must be dropped (not published, stored nor passed on). A signal about media
 * from a time its group was off is dropped even when it comes after the group was switched back on: an analyser
 * that lags behind its media (a loaded machine) must not publish what it heard while the candidate had it off.
 */
export class OptOutFilter {
  #opts: OptOutFilterOptions;
  /** Groups off now, and since when (wall-clock ms). */
  #off = new Map<OptOutGroup, number>();
  #past: OffStretch[] = [];

  constructor(opts: Partial<OptOutFilterOptions> = {}) {
    this.#opts = { ...defaultOptOutFilterOptions, ...opts };
  }

  get allowed(): boolean {
    return this.#opts.allowed;
  }

  /** Groups currently switched off, in the protocol's order. */
  get groups(): OptOutGroup[] {
    return (Object.keys(OPT_OUT_GROUPS) as OptOutGroup[]).filter((g) => this.#off.has(g));
  }

  /**
   * Applies the candidate's complete choice (the groups they switched off), made at `at` (wall-clock ms). Ignored
   * when not allowed.
   */
  apply(groups: readonly OptOutGroup[], at = Date.now()): OptOutChange {
    if (!this.#opts.allowed) return { status: 'not-allowed' };
    const next = new Set(groups.filter((g) => g in OPT_OUT_GROUPS));
    const same = next.size === this.#off.size && [...next].every((g) => this.#off.has(g));
    for (const [group, from] of this.#off) {
      if (!next.has(group)) this.#past.push({ group, from, to: at });
    }
    if (this.#past.length > MAX_STRETCHES) this.#past.splice(0, this.#past.length - MAX_STRETCHES);
    this.#off = new Map([...next].map((group) => [group, this.#off.get(group) ?? at]));
    return { status: same ? 'unchanged' : 'changed', groups: this.groups };
  }

  /**
   * Whether a signal from `analyser` on `media` belongs to a group the candidate switched off: off now, or off at
   * some time within the signal's `range` (wall-clock ms), when it is given.
   */
  suppresses(
    analyser: string,
    media: SignalMessage['media'],
    range?: { start: number; end: number },
  ): boolean {
    if (analyser === SESSION_ANALYSER) return false;
    const inGroup = (g: OptOutGroup) => {
      const group: { analysers: readonly string[]; media?: string } = OPT_OUT_GROUPS[g];
      return group.analysers.includes(analyser) || group.media === media;
    };
    for (const g of this.#off.keys()) if (inGroup(g)) return true;
    if (!range) return false;
    return this.#past.some((p) => range.start < p.to && range.end >= p.from && inGroup(p.group));
  }

  /** The signal telling interviewers what the candidate switched off (behaviour-neutral wording). */
  notice(at: number): SignalDraft {
    const groups = this.groups;
    const labels = groups.map((g) => OPT_OUT_GROUPS[g].label.split(':')[0]?.toLowerCase());
    return {
      kind: 'opt-out',
      range: { start: at, end: at },
      values: { groups: groups.join(','), count: groups.length },
      confidence: 1,
      summary:
        groups.length === 0
          ? 'The candidate has every analysis switched on'
          : `The candidate switched off ${labels.join(' and ')} analysis; no signals or hints from it from now on`,
    };
  }
}
