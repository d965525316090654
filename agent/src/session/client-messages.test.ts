import { DISCLOSURE, PROTOCOL_VERSION, type Role } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import type { SignalDraft } from '../analysers/analyser.js';
import { ConsentGate } from '../consent/consent-gate.js';
import { memoryConsentLog } from '../consent/consent-log.js';
import type { InboxMessage } from '../messaging/inbox.js';
import { ClientMessages } from './client-messages.js';
import { ConsentFlow } from './consent-flow.js';
import { OptOutFilter } from './opt-out.js';

const v = PROTOCOL_VERSION;
/** A client message as the inbox passes it on: the message and its sender. */
const received = (identity: string, role: Role, message: InboxMessage['message']): InboxMessage => ({
  message,
  sender: { identity, role },
});

/** A handler on a real consent gate, flow and opt-out filter, with what it emits and audits. */
function setup(opts: { allowOptOut?: boolean } = {}) {
  const log = memoryConsentLog();
  const gate = new ConsentGate({ required: true, log });
  const states: string[] = [];
  const flow = new ConsentFlow({
    gate,
    candidate: () => 'cand',
    refresh: () => {},
    setState: async (state) => void states.push(state),
    analysers: [],
  });
  const optOut = new OptOutFilter({ allowed: opts.allowOptOut ?? false });
  const emitted: SignalDraft[] = [];
  const messages = new ClientMessages({
    consent: gate,
    flow,
    optOut: () => optOut,
    emit: (d) => void emitted.push(d),
  });
  return { messages, gate, log, states, optOut, emitted };
}

const code = (identity: string) =>
  received(identity, 'candidate', { v, type: 'code', revision: 2, language: 'python', text: 'print("é")' });
const consent = (identity: string) =>
  received(identity, 'candidate', {
    v,
    type: 'consent',
    granted: true,
    disclosureVersion: DISCLOSURE.version,
    groups: ['voice'],
  });
const optOutMessage = (groups: ('voice' | 'camera')[]) =>
  received('cand', 'candidate', { v, type: 'opt-out', groups });

describe('ClientMessages', () => {
  it('reads the code pad only once the candidate has consented', async () => {
    const { messages, gate } = setup();
    expect(messages.accepts(code('cand'))).toBe(false);
    await messages.handle(consent('cand'));
    expect(gate.consented('cand')).toBe(true);
    expect(messages.accepts(code('cand'))).toBe(true);
    await messages.handle(code('cand'));
    expect(messages.latestCode).toEqual({ revision: 2, language: 'python', bytes: 11 });
    // other messages are always read
    expect(
      messages.accepts(
        received('i', 'interviewer', { v, type: 'hint-feedback', hintId: 'h1', useful: true }),
      ),
    ).toBe(true);
  });

  it('passes consent to the flow, which starts the analysis', async () => {
    const { messages, states, log } = setup();
    await messages.handle(consent('cand'));
    expect(states).toContain('analysing');
    expect(log.events.some((e) => 'action' in e && e.action === 'given')).toBe(true);
  });

  it('audits hint feedback and settings changes with their sender', async () => {
    const { messages, log } = setup();
    await messages.handle(
      received('int-1', 'interviewer', { v, type: 'hint-feedback', hintId: 'hint_1', useful: false }),
    );
    await messages.handle(received('int-2', 'interviewer', { v, type: 'settings', detail: 'minimal' }));
    expect(log.events).toEqual([
      { kind: 'hint.feedback', actor: 'int-1', subject: 'hint_1', data: { useful: false } },
      { kind: 'settings', actor: 'int-2', data: { v, type: 'settings', detail: 'minimal' } },
    ]);
  });

  it('applies an allowed opt-out and announces a change once', async () => {
    const { messages, optOut, emitted } = setup({ allowOptOut: true });
    await messages.handle(optOutMessage(['camera']));
    expect(optOut.groups).toEqual(['camera']);
    expect(emitted.map((d) => [d.kind, d.values])).toEqual([['opt-out', { groups: 'camera', count: 1 }]]);
    await messages.handle(optOutMessage(['camera']));
    expect(emitted).toHaveLength(1);
  });

  it('ignores an opt-out the session does not allow', async () => {
    const { messages, optOut, emitted } = setup({ allowOptOut: false });
    await messages.handle(optOutMessage(['voice']));
    expect(optOut.groups).toEqual([]);
    expect(emitted).toEqual([]);
  });

  it('leaves the kinds it does not handle to the extensions', async () => {
    const { messages, log, emitted } = setup();
    const planUpdate = { v, type: 'plan-update', plan: { items: [] } } as unknown as InboxMessage['message'];
    await messages.handle(received('int-1', 'interviewer', planUpdate));
    expect(log.events).toEqual([]);
    expect(emitted).toEqual([]);
  });
});
