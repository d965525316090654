import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { ClientInbox, type Rejection } from '../../agent/src/messaging/inbox.js';
import { FakeRoom, until } from '../../agent/src/messaging/testing.js';
import { fuzzCorpus } from './fuzz.js';

/**
 * The fuzz corpus against the agent's own inbox (no network): every message the client counts as one to reject
 * is rejected, every schema-valid oddity is accepted. The e2e fuzz test relies on these counts being exact.
 */
describe('fuzz corpus', () => {
  it('holds ≥ 10 000 messages the inbox rejects, and oddities it accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ih-fuzz-'));
    try {
      const items = await fuzzCorpus(
        {
          url: 'ws://unused',
          interviewer: { token: '', identity: 'ivy' },
          candidate: { token: '', identity: 'cam' },
          agent: 'agent',
          clientTopic: TOPICS.CLIENT_TO_AGENT,
          victim: 'real-candidate',
          seed: 7,
        },
        dir,
      );
      const fake = new FakeRoom();
      const accepted: string[] = [];
      const rejected: Rejection[] = [];
      const inbox = new ClientInbox(
        fake.room,
        { onMessage: (m) => void accepted.push(m.message.type), onReject: (r) => void rejected.push(r) },
        // no rate limit here: each message is judged on its content
        { rate: { burst: 1e9, perSecond: 1e9 }, log: { perWindow: 0 } },
      );
      inbox.start();
      fake.join('ivy', 'interviewer');
      fake.join('cam', 'candidate');
      const judged = items.filter((i) => i.topic === TOPICS.CLIENT_TO_AGENT && i.via !== 'other');
      const expectRejected = judged.filter((i) => i.expect === 'rejected');
      const expectAccepted = judged.filter((i) => i.expect === 'accepted');
      expect(expectRejected.length).toBeGreaterThanOrEqual(10_000);
      expect(expectAccepted.length).toBeGreaterThan(0);
      const mistakes: string[] = [];
      for (const item of judged) {
        const before = { a: accepted.length, r: rejected.length };
        const bytes = new Uint8Array(Buffer.from(item.payload ?? '', 'base64'));
        const from = item.from === 'interviewer' ? 'ivy' : 'cam';
        if (item.via === 'packet') fake.sendPacket(from, bytes, item.topic);
        // a raw stream's chunks may be any bytes: the SDK hands them over as text, decoded leniently at worst
        else fake.sendStream(from, Buffer.from(bytes).toString('utf8'), 3);
        if (item.via === 'packet') await new Promise((r) => setImmediate(r));
        else
          await until('a verdict', () =>
            accepted.length > before.a || rejected.length > before.r ? true : undefined,
          );
        const verdict = accepted.length > before.a ? 'accepted' : 'rejected';
        if (verdict !== item.expect)
          mistakes.push(
            `${item.category} from ${item.from}: ${verdict} ${Buffer.from(bytes).toString('utf8').slice(0, 120)}`,
          );
      }
      expect(mistakes.slice(0, 20)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
