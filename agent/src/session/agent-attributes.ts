import type { Room } from '@livekit/rtc-node';
import { logger } from '../log.js';
import { within } from '../within.js';

/** Options of {@link AgentAttributes}. */
export interface AgentAttributesOptions {
  /** Longest wait for the room to confirm one update (default 5 s). */
  timeoutMs: number;
}

/** Defaults of {@link AgentAttributesOptions}. */
export const defaultAgentAttributesOptions: AgentAttributesOptions = { timeoutMs: 5000 };

/**
 * The agent's participant attributes (state, candidate, analysers). Updates are merged into one map and sent
 * whole, one at a time, so a slow update can never overwrite a newer state with an older one; an unchanged map is
 * not sent again, and each update gets at most `timeoutMs` so one lost answer cannot stall the ones after it.
 */
export class AgentAttributes {
  #room: Room;
  #o: AgentAttributesOptions;
  #log = logger('session');
  #attributes: Record<string, string> = {};
  #sent: Promise<void> = Promise.resolve();
  #last = '';

  constructor(room: Room, opts: Partial<AgentAttributesOptions> = {}) {
    this.#room = room;
    this.#o = { ...defaultAgentAttributesOptions, ...opts };
  }

  /** Merges `attributes` into the map and publishes it; resolves once this update is sent (or given up). */
  set(attributes: Record<string, string>): Promise<void> {
    Object.assign(this.#attributes, attributes);
    this.#sent = this.#sent.then(async () => {
      const next = JSON.stringify(this.#attributes);
      if (next === this.#last) return;
      this.#last = next;
      const sent = Promise.resolve(this.#room.localParticipant?.setAttributes({ ...this.#attributes })).catch(
        (err: unknown) => this.#log.warn({ err }, 'could not publish agent attributes'),
      );
      if (!(await within(sent, this.#o.timeoutMs)))
        this.#log.warn({ err: new Error('no answer from the room') }, 'could not publish agent attributes');
    });
    return this.#sent;
  }
}
