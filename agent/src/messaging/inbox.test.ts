import { MAX_CODE_BYTES, PROTOCOL_VERSION, TOPICS } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { ClientInbox, type InboxMessage, type Rejection } from './inbox.js';
import { FakeRoom, until } from './testing.js';

function inbox(opts: ConstructorParameters<typeof ClientInbox>[2] = {}) {
  const fake = new FakeRoom();
  const got: InboxMessage[] = [];
  const rejected: Rejection[] = [];
  const box = new ClientInbox(
    fake.room,
    { onMessage: (m) => void got.push(m), onReject: (r) => void rejected.push(r) },
    opts,
  );
  box.start();
  fake.join('ivy', 'interviewer');
  fake.join('cam', 'candidate');
  fake.join('bot');
  return { fake, box, got, rejected };
}

const settings = JSON.stringify({ v: PROTOCOL_VERSION, type: 'settings', detail: 'minimal' });
const code = (text: string) =>
  JSON.stringify({ v: PROTOCOL_VERSION, type: 'code', revision: 1, language: 'js', text });

describe('ClientInbox', () => {
  it('passes valid messages on with the sender and role, by packet and by text stream', async () => {
    const { fake, got } = inbox();
    fake.sendPacket('ivy', settings);
    fake.sendStream('cam', code('let x = 1;'), 3);
    const both = await until('two messages', () => (got.length === 2 ? got : undefined));
    expect(both.map((m) => [m.sender, m.message.type])).toEqual(
      expect.arrayContaining([
        [{ identity: 'ivy', role: 'interviewer' }, 'settings'],
        [{ identity: 'cam', role: 'candidate' }, 'code'],
      ]),
    );
  });

  it('checks roles: no role, interviewer-only and candidate-only types from the wrong side', async () => {
    const { fake, got, rejected } = inbox();
    fake.sendPacket('bot', settings);
    fake.sendPacket('stranger', settings);
    fake.sendPacket('cam', settings);
    fake.sendPacket(
      'cam',
      JSON.stringify({ v: PROTOCOL_VERSION, type: 'hint-feedback', hintId: 'hint_1', useful: true }),
    );
    fake.sendPacket('ivy', code('x'));
    expect(rejected.map((r) => [r.sender, r.code])).toEqual([
      ['bot', 'unknown-sender'],
      ['(unknown)', 'unknown-sender'], // a packet from no participant of the room
      ['cam', 'forbidden'],
      ['cam', 'forbidden'],
      ['ivy', 'forbidden'],
    ]);
    // Packets on other topics are not client messages at all.
    fake.sendPacket('ivy', settings, 'some-other-topic');
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([]);
  });

  it('checks sizes and shapes: an oversized stream is cut off, bad JSON and bad messages are dropped', async () => {
    const { fake, got, rejected } = inbox({ maxStreamBytes: 1024 });
    fake.sendStream('cam', code('x'.repeat(2000)), 4);
    await until('the oversized stream rejected', () => (rejected.length === 1 ? true : undefined));
    expect(rejected[0]).toMatchObject({ sender: 'cam', code: 'too-large' });
    fake.sendPacket('ivy', '{not json');
    fake.sendPacket('ivy', JSON.stringify({ v: PROTOCOL_VERSION, type: 'settings', detail: 'loud' }));
    expect(rejected.slice(1).map((r) => r.code)).toEqual(['not-json', expect.any(String)]);
    // The default bound takes a whole code pad but nothing much larger.
    const big = inbox();
    big.fake.sendStream('cam', code('y'.repeat(MAX_CODE_BYTES + 8192)), 16);
    await until('the huge code pad rejected', () => (big.rejected.length === 1 ? true : undefined));
    expect(big.rejected[0]?.code).toBe('too-large');
    expect(got).toEqual([]);
  });

  it('gives up streams that never finish, refuses too many open ones and announced oversizes', async () => {
    const { fake, box, got, rejected } = inbox({
      streamIdleMs: 50,
      maxStreamsPerSender: 2,
      maxStreamBytes: 100,
    });
    const handler = fake.textHandlers.get(TOPICS.CLIENT_TO_AGENT);
    let closed = 0;
    // a stream whose trailer never comes: one chunk, then silence until it is closed
    const hanging = (totalSize?: number) => {
      let stop: () => void = () => {};
      const ended = new Promise<void>((r) => {
        stop = r;
      });
      return {
        info: { totalSize },
        close: async () => {
          closed++;
          stop();
        },
        async *[Symbol.asyncIterator]() {
          yield '{"v":';
          await ended;
        },
      };
    };
    for (let i = 0; i < 3; i++) handler?.(hanging() as never, { identity: 'cam' });
    handler?.(hanging(1_000_000) as never, { identity: 'ivy' });
    await until('every stream rejected', () => (rejected.length === 4 ? true : undefined));
    expect(rejected.map((r) => r.code).sort()).toEqual([
      'stream-timeout',
      'stream-timeout',
      'too-large',
      'too-many-streams',
    ]);
    expect(closed).toBe(4);
    expect(box.stats()).toMatchObject({ received: 4, accepted: 0, rejected: 4, openStreams: 0 });
    // the sender can stream again once its streams are given up
    fake.sendStream('cam', code('ok'), 2);
    await until('the next stream accepted', () => (got.length === 1 ? true : undefined));
  });

  it('drops a sender over its rate before decoding, and counts everything', async () => {
    const { fake, box, got, rejected } = inbox({ rate: { burst: 5, perSecond: 0 } });
    for (let i = 0; i < 8; i++) fake.sendPacket('ivy', settings);
    fake.sendPacket('cam', code('x'));
    fake.sendPacket('ivy', settings, 'another-topic');
    await until('six messages', () => (got.length === 6 ? true : undefined));
    expect(rejected.map((r) => r.code)).toEqual(['rate-limited', 'rate-limited', 'rate-limited']);
    expect(box.stats()).toEqual({
      received: 9,
      accepted: 6,
      rejected: 3,
      byCode: { 'rate-limited': 3 },
      otherTopics: 1,
      openStreams: 0,
    });
  });

  it('stops listening', () => {
    const { fake, box, got } = inbox();
    box.stop();
    fake.sendPacket('ivy', settings);
    expect(got).toEqual([]);
    expect(fake.textHandlers.size).toBe(0);
  });
});
