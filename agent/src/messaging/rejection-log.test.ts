import { describe, expect, it } from 'vitest';
import { logger } from '../log.js';
import { RejectionLog } from './rejection-log.js';

function capture() {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  const log = logger('test');
  log.warn = ((obj: Record<string, unknown>, msg: string) =>
    void lines.push({ obj, msg })) as typeof log.warn;
  return { log, lines };
}

describe('RejectionLog', () => {
  it('counts every rejection but logs only a few per window, then one summary', () => {
    let now = 0;
    const { log, lines } = capture();
    const rejections = new RejectionLog(log, { perWindow: 2, windowMs: 1000, now: () => now });
    for (let i = 0; i < 10; i++) {
      rejections.received();
      rejections.rejected('x', i % 2 ? 'not-json' : 'invalid', 'bad');
    }
    rejections.received();
    rejections.accepted();
    rejections.otherTopic('chat');
    expect(lines).toHaveLength(2); // the topic is logged at info
    now = 1000;
    expect(rejections.stats(1)).toEqual({
      received: 11,
      accepted: 1,
      rejected: 10,
      byCode: { invalid: 5, 'not-json': 5 },
      otherTopics: 1,
      openStreams: 1,
    });
    expect(lines).toHaveLength(3);
    expect(lines[2]?.obj).toMatchObject({ suppressed: 8, byCode: { invalid: 4, 'not-json': 4 } });
    // a new window logs one by one again
    rejections.rejected('x', 'invalid', 'bad');
    expect(lines).toHaveLength(4);
    expect(lines[3]?.msg).toBe('dropped invalid client message');
  });
});
