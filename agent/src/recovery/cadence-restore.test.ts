import {
  hashInvite,
  InterviewStore,
  type OpenedDatabase,
  openDatabase,
  RecoveryStore,
} from '@interview-helper/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HintCadence } from '../hints/cadence.js';

const h = (id: string, priority = 1) => ({ id, priority, kind: id });

describe('hint cadence of a resumed session', () => {
  let opened: OpenedDatabase;
  beforeAll(async () => {
    opened = await openDatabase();
  });
  afterAll(() => opened?.close());

  it('goes on from the hints the previous job delivered, read from storage', async () => {
    const store = new InterviewStore(opened.db);
    const { id } = await store.createSession({
      roomName: 'room-cadence',
      candidateInviteHash: hashInvite('c'),
      interviewerInviteHash: hashInvite('i'),
    });
    const t0 = 1_763_700_000_000;
    for (const [n, at, to] of [
      [1, t0, ['ivy']],
      [2, t0 + 8000, ['ivy', 'ian']],
    ] as const) {
      await store.insertHint({
        id: `hint-${n}`,
        sessionId: id,
        kind: 'long-pause',
        text: 'Offer to repeat the question.',
        evidence: [],
        confidence: 0.8,
        source: 'rules',
        createdAt: at,
        publishedAt: at + 100,
        recipients: [...to],
      });
    }
    const hints = await new RecoveryStore(opened.db).recentHints(id);
    expect(hints.map((x) => [x.at, x.recipients])).toEqual([
      [t0 + 8100, ['ivy', 'ian']],
      [t0 + 100, ['ivy']],
    ]);

    const cadence = new HintCadence<ReturnType<typeof h>>({ minIntervalMs: 15_000 });
    for (const x of hints.slice().reverse())
      for (const who of x.recipients) cadence.restoreSent(who, x.at, 1);
    // 5 s after the last delivery: held for both; a fresh interviewer gets it at once
    expect(cadence.offer(h('a'), ['ivy', 'ian', 'ida'], t0 + 13_100).send).toEqual(['ida']);
    // the interval runs from the previous job's last hint, not from the restart
    expect(cadence.due(t0 + 23_099).send).toEqual([]);
    expect(cadence.due(t0 + 23_100).send.map((s) => s.interviewer)).toEqual(['ivy', 'ian']);
    // an older delivery restored later changes nothing
    cadence.restoreSent('ida', t0, 1);
    expect(cadence.offer(h('b'), ['ida'], t0 + 20_000).send).toEqual([]);
  });
});
