import type { SignalDraft } from '../analysers/analyser.js';
import type { ConsentGate } from '../consent/consent-gate.js';
import { logger } from '../log.js';
import type { InboxMessage } from '../messaging/inbox.js';
import type { ConsentFlow } from './consent-flow.js';
import type { OptOutFilter } from './opt-out.js';

/** The latest code-pad revision the candidate sent (its size only; the text stays with the extensions). */
export interface CodeRevision {
  revision: number;
  language: string;
  bytes: number;
}

/** What a {@link ClientMessages} acts on. */
export interface ClientMessagesOptions {
  /** The session's consent: who has consented, and its audit log (hint feedback, settings changes). */
  consent: Pick<ConsentGate, 'consented' | 'audit'>;
  /** Handles `consent` messages (starts or stops the candidate's analysis). */
  flow: Pick<ConsentFlow, 'message'>;
  /** The session's current opt-out filter (replaced when the session reads its settings). */
  optOut: () => OptOutFilter;
  /** Emits a session signal (the opt-out notice to interviewers). */
  emit: (draft: SignalDraft) => void;
}

/**
 * The session's own handling of the messages interviewers and the candidate send over the room's data channel
 * (after the inbox has validated them): the candidate's code pad (read only once they consented), hint feedback
 * and settings changes (audited), consent and withdrawal (passed to the {@link ConsentFlow}), and the candidate's
 * opt-out choice (applied, then announced to interviewers). Message kinds handled elsewhere (a plan edit, …) are
 * left to the session's extensions, which see every accepted message on the bus.
 */
export class ClientMessages {
  #o: ClientMessagesOptions;
  #log = logger('session');
  #latestCode?: CodeRevision;

  constructor(opts: ClientMessagesOptions) {
    this.#o = opts;
  }

  /** The latest code-pad revision accepted, if any. */
  get latestCode(): CodeRevision | undefined {
    return this.#latestCode;
  }

  /** Whether the message may be read at all: the code pad is the candidate's too, not read before they consent. */
  accepts({ message, sender }: InboxMessage): boolean {
    return message.type !== 'code' || this.#o.consent.consented(sender.identity);
  }

  /** Acts on one accepted message. Never throws for a message the session does not handle itself. */
  async handle({ message, sender }: InboxMessage): Promise<void> {
    switch (message.type) {
      case 'code':
        this.#latestCode = {
          revision: message.revision,
          language: message.language,
          bytes: Buffer.byteLength(message.text),
        };
        this.#log.debug({ sender: sender.identity, ...this.#latestCode }, 'code pad updated');
        break;
      case 'hint-feedback':
        // Stored by the hints extension (agent/src/hints/), which knows the session's hints; audited here.
        await this.#o.consent.audit({
          kind: 'hint.feedback',
          actor: sender.identity,
          subject: message.hintId,
          data: { useful: message.useful },
        });
        break;
      case 'consent':
        await this.#o.flow.message(message, sender);
        break;
      case 'settings':
        this.#log.info({ sender: sender.identity, detail: message.detail }, 'interviewer settings changed');
        // trigger thresholds change what the hint engine decides: audited
        await this.#o.consent.audit({ kind: 'settings', actor: sender.identity, data: { ...message } });
        break;
      case 'opt-out': {
        const optOut = this.#o.optOut();
        const at = Date.now();
        const change = optOut.apply(message.groups, at);
        if (change.status === 'not-allowed') {
          this.#log.warn(
            { sender: sender.identity, groups: message.groups },
            'opt-out ignored: this session does not allow it',
          );
        } else if (change.status === 'changed') {
          this.#log.info({ sender: sender.identity, groups: change.groups }, 'candidate opt-out changed');
          this.#o.emit(optOut.notice(at));
        }
        break;
      }
    }
  }
}
