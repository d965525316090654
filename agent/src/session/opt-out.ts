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

/**
 * The candidate's per-group opt-out for one session. Each choice replaces the previous one; from then on
 * {@link suppresses} says which signals must be dropped (not published, stored nor passed on).
 */
export class OptOutFilter {
  #opts: OptOutFilterOptions;
  #off = new Set<OptOutGroup>();

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

  /** Applies the candidate's complete choice (the groups they switched off). Ignored when not allowed. */
  apply(groups: readonly OptOutGroup[]): OptOutChange {
    if (!this.#opts.allowed) return { status: 'not-allowed' };
    const next = new Set(groups.filter((g) => g in OPT_OUT_GROUPS));
    const same = next.size === this.#off.size && [...next].every((g) => this.#off.has(g));
    this.#off = next;
    return { status: same ? 'unchanged' : 'changed', groups: this.groups };
  }

  /** Whether a signal from `analyser` on `media` belongs to a group the candidate switched off. */
  suppresses(analyser: string, media: SignalMessage['media']): boolean {
    if (analyser === SESSION_ANALYSER) return false;
    for (const g of this.#off) {
      const group: { analysers: readonly string[]; media?: string } = OPT_OUT_GROUPS[g];
      if (group.analysers.includes(analyser) || group.media === media) return true;
    }
    return false;
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
