import {
  decodeClientMessage,
  encodeClientMessage,
  type OptOutMessage,
  PROTOCOL_VERSION,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { OPT_OUT_GROUP_NAMES, OptOutChoice, type OptOutState, optOutMessage } from './opt-out.js';

describe('candidate opt-out', () => {
  it('builds a valid message with the complete set in protocol order', () => {
    expect(OPT_OUT_GROUP_NAMES).toEqual(['voice', 'camera']);
    const message = optOutMessage(['camera', 'voice', 'camera']);
    expect(message).toEqual({ v: PROTOCOL_VERSION, type: 'opt-out', groups: ['voice', 'camera'] });
    expect(decodeClientMessage(encodeClientMessage(message).bytes)).toEqual({ ok: true, message });
    expect(optOutMessage([]).groups).toEqual([]);
  });

  it('sends every change, and a choice the assistant missed once it joins', async () => {
    const sent: OptOutMessage[] = [];
    const states: OptOutState[] = [];
    let agent = false;
    const choice = new OptOutChoice(
      async (m) => {
        if (!agent) throw Object.assign(new Error('no assistant'), { code: 'no-agent' });
        sent.push(m);
      },
      (s) => states.push(s),
    );
    await choice.flush();
    expect(sent).toEqual([]);
    await choice.set('voice', false);
    expect(states).toEqual(['waiting']);
    expect(choice.analysed('voice')).toBe(false);
    agent = true;
    await choice.flush();
    expect(sent.map((m) => m.groups)).toEqual([['voice']]);
    await choice.set('voice', true);
    expect(sent.map((m) => m.groups)).toEqual([['voice'], []]);
    await choice.flush();
    expect(sent).toHaveLength(2);
    expect(states).toEqual(['waiting', 'sent', 'sent']);
  });

  it('reports failures other than a missing assistant as failed', async () => {
    const states: OptOutState[] = [];
    const choice = new OptOutChoice(
      () => Promise.reject(new Error('closed')),
      (s) => states.push(s),
    );
    await choice.set('camera', false);
    expect(states).toEqual(['failed']);
  });
});
