import {
  type Accommodation,
  type ConsentGroup,
  type ConsentMessage,
  DISCLOSURE,
  type Role,
  type SignalKind,
  suppressedKinds,
} from '@interview-helper/protocol';
import type { MediaKind } from '../analysers/analyser.js';
import { logger } from '../log.js';
import { type ConsentLog, memoryConsentLog } from './consent-log.js';

/** Options of a {@link ConsentGate}. */
export interface ConsentGateOptions {
  /** Whether the candidate must consent before anything of theirs is analysed (always, in the agent). */
  required: boolean;
  /** The disclosure version a consent must name. */
  disclosureVersion: string;
  /** Accommodations the organiser set for the session. */
  sessionAccommodations: readonly Accommodation[];
  log: ConsentLog;
  now: () => number;
}

export const defaultConsentGateOptions = {
  required: true,
  disclosureVersion: DISCLOSURE.version,
  sessionAccommodations: [],
  now: Date.now,
} satisfies Partial<ConsentGateOptions>;

/** A candidate's consent as the agent holds it. */
export interface Consent {
  groups: ReadonlySet<ConsentGroup>;
  /** Accommodations the candidate asked for with their consent. */
  accommodations: readonly Accommodation[];
  disclosureVersion: string;
}

/** What handling a consent message did. */
export type ConsentDecision =
  | { status: 'given' | 'withdrawn'; identity: string }
  | { status: 'refused'; identity: string; reason: string };

const MEDIA_GROUP: Record<MediaKind, ConsentGroup> = { audio: 'voice', video: 'camera' };

/**
 * The candidates' consent in one session. Nothing of a candidate is analysed before they consent: the session
 * asks {@link allows} before it subscribes to a track, and {@link analyses} before it keeps any signal.
 * Consent arrives with the token request (recorded by the token server, read here by {@link restore}) or as a
 * `consent` message from the candidate (handled by {@link handle}); a withdrawal stops analysis. Every consent,
 * withdrawal and refused message is recorded.
 */
export class ConsentGate {
  #o: ConsentGateOptions;
  #given = new Map<string, Consent>();
  /** Identities whose state came from a message or a withdrawal (a slower {@link restore} must not undo it). */
  #decided = new Set<string>();
  #log = logger('consent');

  constructor(opts: Partial<ConsentGateOptions> = {}) {
    this.#o = { ...defaultConsentGateOptions, log: memoryConsentLog(), ...opts };
  }

  /** The session's accommodations (read from its settings when it starts). */
  setSessionAccommodations(accommodations: readonly Accommodation[]): void {
    this.#o.sessionAccommodations = [...accommodations];
  }

  get required(): boolean {
    return this.#o.required;
  }

  /** Whether `identity` has consented (always true when consent is not required). */
  consented(identity: string | undefined): boolean {
    if (!this.#o.required) return true;
    return identity !== undefined && this.#given.has(identity);
  }

  /** Whether a track of `media` of `identity` may be subscribed and analysed. */
  allows(identity: string, media: MediaKind): boolean {
    if (!this.#o.required) return true;
    return this.#given.get(identity)?.groups.has(MEDIA_GROUP[media]) ?? false;
  }

  /** The accommodations in force for `identity`: the session's and their own. */
  accommodations(identity: string | undefined): Accommodation[] {
    const own = identity ? (this.#given.get(identity)?.accommodations ?? []) : [];
    return [...new Set([...this.#o.sessionAccommodations, ...own])];
  }

  /** Whether a signal kind must not exist for `identity`: no consent, or switched off by an accommodation. */
  suppresses(identity: string | undefined, kind: SignalKind): boolean {
    return !this.consented(identity) || suppressedKinds(this.accommodations(identity)).has(kind);
  }

  /**
   * Reads the consent recorded for `identity` (given with the token request, or before an agent restart).
   * Returns true when it changed what is allowed.
   */
  async restore(identity: string): Promise<boolean> {
    if (!this.#o.required || this.#given.has(identity) || this.#decided.has(identity)) return false;
    const recorded = await this.#o.log.current(identity).catch((err) => {
      this.#log.error(
        { err, identity },
        'could not read the recorded consent; waiting for a consent message',
      );
      return undefined;
    });
    if (this.#decided.has(identity) || recorded?.action !== 'given') return false;
    if (recorded.disclosureVersion !== this.#o.disclosureVersion) {
      this.#log.warn(
        { identity, version: recorded.disclosureVersion },
        'recorded consent is for another disclosure version; waiting for a new consent',
      );
      return false;
    }
    this.#given.set(identity, {
      groups: new Set(recorded.groups),
      accommodations: recorded.accommodations,
      disclosureVersion: recorded.disclosureVersion,
    });
    this.#log.info({ identity, source: recorded.source, groups: recorded.groups }, 'consent on record');
    return true;
  }

  /** Applies a `consent` message from `sender`, records it and returns what it did. Never throws. */
  async handle(message: ConsentMessage, sender: { identity: string; role: Role }): Promise<ConsentDecision> {
    const identity = message.participant ?? sender.identity;
    const reason =
      sender.role !== 'candidate'
        ? 'only the candidate can consent or withdraw'
        : identity !== sender.identity
          ? 'a consent can only be given for oneself'
          : message.granted && message.disclosureVersion !== this.#o.disclosureVersion
            ? `disclosure version ${message.disclosureVersion} is not the current one (${this.#o.disclosureVersion})`
            : undefined;
    const at = this.#o.now();
    if (reason) {
      this.#log.warn(
        { sender: sender.identity, role: sender.role, identity, reason },
        'consent message refused',
      );
      await this.#record({
        identity,
        actor: sender.identity,
        action: 'refused',
        source: 'data-message',
        reason,
        ...(message.disclosureVersion ? { disclosureVersion: message.disclosureVersion } : {}),
        at,
      });
      return { status: 'refused', identity, reason };
    }
    this.#decided.add(identity);
    if (!message.granted) {
      this.#given.delete(identity);
      this.#log.info({ identity }, 'candidate withdrew consent: analysis stops');
      await this.#record({ identity, action: 'withdrawn', source: 'data-message', at });
      return { status: 'withdrawn', identity };
    }
    const groups = message.groups ?? [];
    const accommodations = message.accommodations ?? [];
    this.#given.set(identity, {
      groups: new Set(groups),
      accommodations,
      disclosureVersion: this.#o.disclosureVersion,
    });
    this.#log.info({ identity, groups, accommodations }, 'candidate consented');
    await this.#record({
      identity,
      action: 'given',
      source: 'data-message',
      disclosureVersion: this.#o.disclosureVersion,
      groups,
      accommodations,
      at,
    });
    return { status: 'given', identity };
  }

  /** Appends an event to the session's audit log; failures are logged. */
  async audit(input: Parameters<ConsentLog['audit']>[0]): Promise<void> {
    await this.#o.log
      .audit(input)
      .catch((err) => this.#log.error({ err, kind: input.kind }, 'audit event lost'));
  }

  async #record(input: Parameters<ConsentLog['record']>[0]): Promise<void> {
    await this.#o.log
      .record(input)
      .catch((err) => this.#log.error({ err, action: input.action }, 'could not record the consent event'));
  }
}
