import {
  OPT_OUT_GROUPS,
  type OptOutGroup,
  type OptOutMessage,
  PROTOCOL_VERSION,
} from '@interview-helper/protocol';

/** Where the candidate's choice stands: delivered to the assistant, waiting for it to join, or failed. */
export type OptOutState = 'sent' | 'waiting' | 'failed';

/** The groups a candidate can switch off, in the protocol's order. */
export const OPT_OUT_GROUP_NAMES = Object.keys(OPT_OUT_GROUPS) as OptOutGroup[];

/** The `opt-out` message for the groups switched off (the complete set, in the protocol's order). */
export function optOutMessage(off: Iterable<OptOutGroup>): OptOutMessage {
  const set = new Set(off);
  return { v: PROTOCOL_VERSION, type: 'opt-out', groups: OPT_OUT_GROUP_NAMES.filter((g) => set.has(g)) };
}

/**
 * The candidate's opt-out choice and its delivery to the agent. Each change sends the complete set; a choice
 * that could not be delivered (no assistant in the room yet) is sent again by {@link flush}.
 */
export class OptOutChoice {
  #off = new Set<OptOutGroup>();
  #send: (message: OptOutMessage) => Promise<void>;
  #onState: (state: OptOutState) => void;
  #delivered = true;

  constructor(
    send: (message: OptOutMessage) => Promise<void>,
    onState: (state: OptOutState) => void = () => {},
  ) {
    this.#send = send;
    this.#onState = onState;
  }

  /** Whether the group is analysed (not switched off). */
  analysed(group: OptOutGroup): boolean {
    return !this.#off.has(group);
  }

  /** Switches a group's analysis on or off and tells the agent. */
  set(group: OptOutGroup, analysed: boolean): Promise<void> {
    if (analysed) this.#off.delete(group);
    else this.#off.add(group);
    this.#delivered = false;
    return this.flush();
  }

  /**
   * Sends the current choice when it has not been delivered or something is switched off (an assistant that
   * joins or rejoins starts with everything on).
   */
  async flush(): Promise<void> {
    if (this.#delivered && this.#off.size === 0) return;
    try {
      await this.#send(optOutMessage(this.#off));
      this.#delivered = true;
      this.#onState('sent');
    } catch (error) {
      this.#delivered = false;
      this.#onState((error as { code?: string }).code === 'no-agent' ? 'waiting' : 'failed');
    }
  }
}
