import {
  type AgentMessage,
  type HintMessage,
  MAX_PACKET_BYTES,
  PROTOCOL_VERSION,
  type SignalMessage,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { InterviewerPublisher } from './publisher.js';
import { FakeRoom, until } from './testing.js';

/** A small message: goes as one data packet. */
const signal = (n: number): SignalMessage => ({
  v: PROTOCOL_VERSION,
  type: 'signal',
  id: `sig_${n}`,
  sessionId: 'ses_1',
  analyser: 'session',
  media: 'text',
  kind: 'opt-out',
  range: { start: n * 1000, end: n * 1000 },
  values: { groups: 'voice', count: 1 },
  confidence: 1,
  summary: `notice ${n}`,
});

/** A message over the packet limit: goes as a text stream. */
const longHint = (n: number): HintMessage => ({
  v: PROTOCOL_VERSION,
  type: 'hint',
  id: `sig_${n}`,
  sessionId: 'ses_1',
  kind: 'note',
  text: 'x'.repeat(MAX_PACKET_BYTES + 1000),
  evidence: [],
  confidence: 1,
  source: 'rules',
  createdAt: n * 1000,
});

/**
 * A room whose sends finish in an order the test chooses, like the SDK's (each send is its own native request;
 * a short packet can finish before a long text stream started earlier).
 */
function slowRoom() {
  const fake = new FakeRoom();
  fake.join('ivy', 'interviewer');
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const record = (text: string, to?: string[]) =>
    new Promise<void>((resolve) => {
      const id = (JSON.parse(text) as { id?: string; type: string }).id ?? 'stats';
      started.push(id);
      finish.set(id, () => {
        fake.sent.push({ topic: 'agent', text, to });
        resolve();
      });
    });
  fake.localParticipant.publishData = (bytes: Uint8Array, o: { destination_identities?: string[] }) =>
    record(new TextDecoder().decode(bytes), o.destination_identities);
  fake.localParticipant.sendText = (text: string, o: { destinationIdentities?: string[] }) =>
    record(text, o.destinationIdentities);
  const delivered = () => fake.sent.map((s) => (JSON.parse(s.text) as { id: string }).id);
  return { fake, started, finish, delivered };
}

/** Lets every pending callback and timer of a few ms run (a send that could start has started). */
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('InterviewerPublisher', () => {
  it('sends one message at a time, in the order published, packet or stream', async () => {
    const { fake, started, finish, delivered } = slowRoom();
    const publisher = new InterviewerPublisher(fake.room);
    // a long summary goes as a text stream, the next two as packets
    const results = [
      publisher.publish(longHint(1)),
      publisher.publish(signal(2)),
      publisher.publish(signal(3)),
    ];
    await settle();
    expect(started).toEqual(['sig_1']); // the packets wait for the stream
    finish.get('sig_1')?.();
    await until('the second send', () => finish.get('sig_2'));
    await settle();
    expect(started).toEqual(['sig_1', 'sig_2']);
    finish.get('sig_2')?.();
    (await until('the third send', () => finish.get('sig_3')))();
    expect((await Promise.all(results)).map((r) => r.transport)).toEqual(['stream', 'packet', 'packet']);
    expect(delivered()).toEqual(['sig_1', 'sig_2', 'sig_3']);
    expect(fake.sent.every((s) => s.to?.join() === 'ivy')).toBe(true);
  });

  it('goes on after a failed send, and past a stuck one once orderWaitMs is over', async () => {
    const { fake, started, finish, delivered } = slowRoom();
    const publisher = new InterviewerPublisher(fake.room, { orderWaitMs: 50 });
    const failing = fake.localParticipant.publishData;
    fake.localParticipant.publishData = async () => {
      throw new Error('engine closed');
    };
    expect(await publisher.publish(signal(1))).toMatchObject({ transport: 'none' });
    fake.localParticipant.publishData = failing;
    const stuck = publisher.publish(signal(2)); // never finishes by itself
    const next = publisher.publish(signal(3));
    (await until('the send after the stuck one', () => finish.get('sig_3')))();
    expect(started).toEqual(['sig_2', 'sig_3']);
    await next;
    finish.get('sig_2')?.();
    await stuck;
    expect(delivered()).toEqual(['sig_3', 'sig_2']);
  });

  it('publishTo sends to the listed identities that are in the room as interviewers, in the same order', async () => {
    const fake = new FakeRoom();
    fake.join('ivy', 'interviewer');
    fake.join('ian', 'interviewer');
    fake.join('cam', 'candidate');
    const publisher = new InterviewerPublisher(fake.room);
    const results = await Promise.all([
      publisher.publishTo(signal(1), ['cam', 'ivy', 'gone']),
      publisher.publish(signal(2)),
      publisher.publishTo(signal(3), ['cam']),
    ]);
    expect(results.map((r) => [r.to, r.transport])).toEqual([
      [['ivy'], 'packet'],
      [['ivy', 'ian'], 'packet'],
      [[], 'none'],
    ]);
    expect(fake.agentMessages().map((m) => [m.message.id, m.to])).toEqual([
      ['sig_1', ['ivy']],
      ['sig_2', ['ivy', 'ian']],
    ]);
  });

  it('rejects an invalid message without holding back the next', async () => {
    const fake = new FakeRoom();
    fake.join('ivy', 'interviewer');
    fake.join('cam', 'candidate');
    const publisher = new InterviewerPublisher(fake.room);
    const bad = { ...signal(1), range: { start: 5, end: 1 } } as AgentMessage;
    await expect(publisher.publish(bad)).rejects.toThrow();
    await publisher.publish(signal(2));
    expect(fake.agentMessages().map((m) => [m.message.id, m.to])).toEqual([['sig_2', ['ivy']]]);
  });
});
