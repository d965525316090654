import { describe, expect, it } from 'vitest';
import { decodeAgentMessage } from './codec.js';
import { PROTOCOL_VERSION } from './common.js';
import { INBOX_REJECTION_CODES } from './inbox.js';

const stats = (inbox: unknown) =>
  JSON.stringify({
    v: PROTOCOL_VERSION,
    type: 'stats',
    sessionId: 's1',
    at: 1,
    candidate: null,
    analysers: [],
    inbox,
  });

describe('inbox stats in the stats message', () => {
  it('carries the counts per rejection code', () => {
    const inbox = {
      received: 12,
      accepted: 2,
      rejected: 10,
      byCode: Object.fromEntries(INBOX_REJECTION_CODES.slice(0, 2).map((c) => [c, 5])),
      otherTopics: 1,
      openStreams: 0,
    };
    const decoded = decodeAgentMessage(stats(inbox));
    expect(decoded.ok && decoded.message.type === 'stats' && decoded.message.inbox).toEqual(inbox);
  });

  it('refuses negative or fractional counts', () => {
    const base = { received: 1, accepted: 0, rejected: 1, byCode: {}, otherTopics: 0, openStreams: 0 };
    expect(decodeAgentMessage(stats({ ...base, rejected: -1 })).ok).toBe(false);
    expect(decodeAgentMessage(stats({ ...base, byCode: { invalid: 0.5 } })).ok).toBe(false);
  });
});
