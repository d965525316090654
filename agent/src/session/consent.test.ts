import { randomUUID } from 'node:crypto';
import {
  AGENT_STATE_ATTRIBUTE,
  DISCLOSURE,
  PROTOCOL_VERSION,
  SIGNAL_EXAMPLES,
  type SignalKind,
  type SignalMessage,
  type StatsMessage,
} from '@interview-helper/protocol';
import {
  AuditStore,
  ConsentStore,
  hashInvite,
  InterviewStore,
  type OpenedDatabase,
  openDatabase,
} from '@interview-helper/storage';
import { AudioFrame, TrackKind, TrackSource } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analyser, AudioSample, SignalDraft } from '../analysers/analyser.js';
import type { RawAudio } from '../audio/front-end.js';
import { FakeRoom, until } from '../messaging/testing.js';
import { InterviewSession } from './interview-session.js';
import type { SessionRecorder } from './recorder-types.js';

const mic = { kind: TrackKind.KIND_AUDIO, source: TrackSource.SOURCE_MICROPHONE };
const camera = { kind: TrackKind.KIND_VIDEO, source: TrackSource.SOURCE_CAMERA };

/** An audio analyser that counts what it gets and reports one `kind` signal every 20 chunks. */
class Counting implements Analyser<'audio'> {
  readonly media = 'audio' as const;
  readonly emits: readonly SignalKind[];
  constructor(
    readonly name: string,
    readonly kind: 'audio-level' | 'pitch' | 'delivery',
    readonly seen: Map<string, { samples: number; finished: boolean }>,
  ) {
    this.emits = [kind];
  }
  async *analyse(samples: AsyncIterable<AudioSample>): AsyncIterable<SignalDraft> {
    const me = { samples: 0, finished: false };
    this.seen.set(`${this.name}-${this.seen.size}`, me);
    try {
      for await (const s of samples) {
        if (++me.samples % 20 === 0)
          yield {
            kind: this.kind,
            range: { start: s.receivedAt, end: s.receivedAt },
            values: SIGNAL_EXAMPLES[this.kind],
            confidence: 1,
            summary: this.kind,
          } as SignalDraft;
      }
    } finally {
      me.finished = true;
    }
  }
}

/** Silence in 10 ms chunks until the track is stopped. */
async function* endless(signal: AbortSignal): AsyncIterable<RawAudio> {
  while (!signal.aborted) {
    yield { frame: new AudioFrame(new Int16Array(160), 16000, 1, 160), receivedAt: Date.now() };
    await new Promise((r) => setTimeout(r, 10));
  }
}

const consent = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    v: PROTOCOL_VERSION,
    type: 'consent',
    granted: true,
    disclosureVersion: DISCLOSURE.version,
    groups: ['voice'],
    ...extra,
  });

describe('InterviewSession consent', () => {
  let opened: OpenedDatabase;
  let store: InterviewStore;
  beforeAll(async () => {
    opened = await openDatabase();
    store = new InterviewStore(opened.db);
  });
  afterAll(() => opened?.close());

  async function setup(settings: Record<string, unknown> = {}) {
    const session = await store.createSession({
      roomName: `room-${randomUUID()}`,
      candidateInviteHash: hashInvite('c'),
      interviewerInviteHash: hashInvite('i'),
      settings,
    });
    const stored: SignalMessage[] = [];
    const recorder: SessionRecorder = {
      presence: async () => {},
      signals: async (batch) => void stored.push(...batch),
      hintFeedback: async () => false,
      settings: async () => settings,
      database: opened.db,
      close: async () => {},
    };
    const fake = new FakeRoom();
    const seen = new Map<string, { samples: number; finished: boolean }>();
    const decoded: string[] = [];
    const agent = new InterviewSession({
      sessionId: session.id,
      room: fake.room,
      analysers: [
        () => new Counting('audio-level', 'audio-level', seen),
        () => new Counting('pitch', 'pitch', seen),
        () => new Counting('delivery', 'delivery', seen),
      ],
      recorder,
      statsIntervalMs: 100,
      interviewerAudio: false,
      vad: () => Promise.reject(new Error('no Silero in this test')),
      decodeAudio: (track, signal) => {
        decoded.push(track.sid as string);
        return endless(signal);
      },
    });
    const published = () =>
      fake
        .agentMessages()
        .map((m) => m.message)
        .filter((m) => m.type === 'signal') as unknown as SignalMessage[];
    return { id: session.id, fake, agent, stored, seen, decoded, published };
  }

  it('analyses nothing before consent, refuses consent from others, stops at withdrawal and records it all', async () => {
    const { id, fake, agent, seen, decoded, published } = await setup();
    fake.join('ivy', 'interviewer');
    const cam = fake.join('cam', 'candidate', [mic, camera]);
    await agent.start();
    await until('waiting for consent', () =>
      fake.attributes[AGENT_STATE_ATTRIBUTE] === 'waiting-for-consent' ? true : undefined,
    );
    const pubs = [...cam.trackPublications.values()];
    const audioPub = pubs.find((p) => p.kind === TrackKind.KIND_AUDIO);
    // Refused: from an interviewer, for another participant, for an old disclosure.
    fake.sendPacket('ivy', consent());
    fake.sendPacket('cam', consent({ participant: 'someone-else' }));
    fake.sendPacket('cam', consent({ disclosureVersion: '1999-01-01' }));
    const consents = new ConsentStore(opened.db);
    const refused = await pollRows(() => consents.listConsents(id), 3);
    expect(refused.map((r) => [r.action, r.identity])).toEqual([
      ['refused', 'ivy'],
      ['refused', 'someone-else'],
      ['refused', 'cam'],
    ]);
    expect(refused.map((r) => r.reason)).toEqual([
      'only the candidate can consent or withdraw',
      'a consent can only be given for oneself',
      `disclosure version 1999-01-01 is not the current one (${DISCLOSURE.version})`,
    ]);
    expect(pubs.every((p) => !p.subscribed)).toBe(true);
    expect(decoded).toEqual([]);
    expect(seen.size).toBe(0);
    expect(published()).toEqual([]);
    expect(fake.attributes[AGENT_STATE_ATTRIBUTE]).toBe('waiting-for-consent');

    // Consent to the voice group only: the microphone is analysed, the camera is not even subscribed.
    fake.sendPacket('cam', consent());
    await until('analysing', () =>
      fake.attributes[AGENT_STATE_ATTRIBUTE] === 'analysing' ? true : undefined,
    );
    await until('signals of the microphone', () => (published().length >= 2 ? true : undefined));
    expect(audioPub?.subscribed).toBe(true);
    expect(pubs.find((p) => p.kind === TrackKind.KIND_VIDEO)?.subscribed).toBe(false);
    expect(decoded).toEqual([audioPub?.sid]);

    // Withdrawal: the track ends, nothing more is published.
    fake.sendPacket('cam', JSON.stringify({ v: PROTOCOL_VERSION, type: 'consent', granted: false }));
    await until('waiting for consent again', () =>
      fake.attributes[AGENT_STATE_ATTRIBUTE] === 'waiting-for-consent' ? true : undefined,
    );
    const atWithdrawal = published().length;
    await until('the analysers stopped', () =>
      [...seen.values()].every((s) => s.finished) ? true : undefined,
    );
    expect(audioPub?.subscribed).toBe(false);
    expect(published()).toHaveLength(atWithdrawal);

    // Consent given again: the same track is subscribed and analysed again.
    fake.sendPacket('cam', consent());
    await until('signals again', () => (published().length > atWithdrawal ? true : undefined));
    expect(decoded).toEqual([audioPub?.sid, audioPub?.sid]);
    await agent.close();

    const rows = await consents.listConsents(id);
    expect(rows.map((r) => r.action)).toEqual([
      'refused',
      'refused',
      'refused',
      'given',
      'withdrawn',
      'given',
    ]);
    expect(rows[3]).toMatchObject({ identity: 'cam', source: 'data-message', groups: ['voice'] });
    const audit = await new AuditStore(opened.db).listAudit(id);
    expect(audit.map((e) => e.kind)).toEqual([
      'consent.refused',
      'consent.refused',
      'consent.refused',
      'consent.given',
      'consent.withdrawn',
      'consent.given',
    ]);
  });

  it('reads a consent given with the token request and runs no analyser an accommodation switches off', async () => {
    const { id, fake, agent, seen, published } = await setup({ accommodations: ['gaze'] });
    await new ConsentStore(opened.db).recordConsent({
      sessionId: id,
      identity: 'cam',
      action: 'given',
      disclosureVersion: DISCLOSURE.version,
      groups: ['voice', 'camera'],
      accommodations: ['delivery-pace'],
      source: 'token-request',
      at: Date.now(),
    });
    fake.join('ivy', 'interviewer');
    fake.join('cam', 'candidate', [mic]);
    await agent.start();
    await until('analysing', () =>
      fake.attributes[AGENT_STATE_ATTRIBUTE] === 'analysing' ? true : undefined,
    );
    await until('audio-level signals', () => (published().length >= 3 ? true : undefined));
    const stats = await until('stats with the audio-level analyser running', () =>
      (fake.agentMessages().map((m) => m.message) as unknown as StatsMessage[])
        .filter((m) => m.type === 'stats')
        .findLast((m) => m.analysers.some((a) => a.name === 'audio-level' && a.framesIn > 0)),
    );
    await agent.close();
    expect(new Set(published().map((s) => s.kind))).toEqual(new Set(['audio-level']));
    expect([...seen.keys()].map((k) => k.replace(/-\d+$/, ''))).toEqual(['audio-level']);
    const status = Object.fromEntries(stats.analysers.map((a) => [a.name, [a.status, a.framesIn]]));
    expect(status).toMatchObject({ pitch: ['waiting', 0], delivery: ['waiting', 0] });
    const audit = await new AuditStore(opened.db).listAudit(id);
    expect(audit.map((e) => [e.kind, e.data.accommodations])).toEqual([
      ['consent.given', ['delivery-pace']],
      ['accommodations', ['gaze', 'delivery-pace']],
    ]);
  });
});

/** Polls `read` until it returns at least `n` rows. */
async function pollRows<T>(read: () => Promise<T[]>, n: number): Promise<T[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rows = await read();
    if (rows.length >= n || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 20));
  }
}
