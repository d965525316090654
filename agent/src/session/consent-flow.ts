import type { Accommodation, ConsentMessage, Role } from '@interview-helper/protocol';
import type { AnalyserFactory } from '../analysers/analyser.js';
import { withoutSuppressed } from '../consent/accommodations.js';
import type { ConsentGate } from '../consent/consent-gate.js';

/** The agent states that depend on the candidate's consent. */
export type ConsentState = 'waiting-for-candidate' | 'waiting-for-consent' | 'analysing';

/** What a {@link ConsentFlow} acts on. */
export interface ConsentFlowOptions {
  gate: ConsentGate;
  /** The active candidate, if any. */
  candidate(): string | undefined;
  /** Subscribes to (or drops) the candidate's tracks after what the gate allows changed. */
  refresh(): void;
  setState(state: ConsentState, identity: string | undefined): Promise<void>;
  /** Every analyser, and the composition's variants for a candidate with accommodations. */
  analysers: readonly AnalyserFactory[];
  accommodate?: (accommodations: readonly Accommodation[]) => AnalyserFactory[];
}

/**
 * Ties a session to its {@link ConsentGate}: a candidate who arrives is analysed only with a consent on record or
 * sent later; a consent or withdrawal starts or stops their tracks; the agent state says which it is.
 */
export class ConsentFlow {
  #o: ConsentFlowOptions;

  constructor(opts: ConsentFlowOptions) {
    this.#o = opts;
  }

  /** The agent state for the active candidate `identity`. */
  stateOf(identity: string | undefined): ConsentState {
    if (!identity) return 'waiting-for-candidate';
    return this.#o.gate.consented(identity) ? 'analysing' : 'waiting-for-consent';
  }

  /** A candidate arrived or left: a consent on record (given with the token request) starts their analysis. */
  async candidateChanged(identity: string | undefined): Promise<void> {
    await this.#o.setState(this.stateOf(identity), identity);
    if (identity && (await this.#o.gate.restore(identity)) && identity === this.#o.candidate())
      await this.#changed(identity);
  }

  /** A `consent` message from `sender`. */
  async message(message: ConsentMessage, sender: { identity: string; role: Role }): Promise<void> {
    const decision = await this.#o.gate.handle(message, sender);
    if (decision.status !== 'refused' && decision.identity === this.#o.candidate())
      await this.#changed(decision.identity);
  }

  /** The analysers of a track of `identity`: fewer or lighter ones under accommodations; undefined: all. */
  analysersFor(identity: string): readonly AnalyserFactory[] | undefined {
    const accommodations = this.#o.gate.accommodations(identity);
    if (!accommodations.length) return undefined;
    return this.#o.accommodate?.(accommodations) ?? withoutSuppressed(this.#o.analysers, accommodations);
  }

  async #changed(identity: string): Promise<void> {
    this.#o.refresh();
    await this.#o.setState(this.stateOf(identity), identity);
    const accommodations = this.#o.gate.accommodations(identity);
    if (this.#o.gate.consented(identity) && accommodations.length)
      await this.#o.gate.audit({
        kind: 'accommodations',
        actor: 'agent',
        subject: identity,
        data: { accommodations },
      });
  }
}
