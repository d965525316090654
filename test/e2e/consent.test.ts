import {
  ACCOMMODATIONS,
  AGENT_STATE_ATTRIBUTE,
  type ClientMessage,
  DISCLOSURE,
  encodeClientMessage,
  PROTOCOL_VERSION,
  type SignalMessage,
  type StatsMessage,
  TOPICS,
} from '@interview-helper/protocol';
import { openDatabase, schema } from '@interview-helper/storage';
import type { Room } from '@livekit/rtc-node';
import { and, eq, gt, lt, ne } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIO_CHUNK_MS } from '../../agent/src/analysers/audio-analysis.js';
import { agentOf, signalsOf, type TestParticipant, waitFor } from './clients/participant.js';
import { type InterviewOptions, SPEECH_WAV, startInterview } from './harness/interview.js';
import { dispatchHint, type Stack, startStack } from './harness/stack.js';

/** The candidate's media in both cases: one frontal face photo and real speech. */
const MEDIA = {
  interviewerName: 'Ivy',
  camera: { photo: 'face-frontal-man.jpg', fps: 10 },
  microphone: { wav: SPEECH_WAV },
} satisfies InterviewOptions;

async function send(room: Room, message: ClientMessage): Promise<void> {
  const encoded = encodeClientMessage(message);
  await room.localParticipant?.publishData(encoded.bytes, { reliable: true, topic: TOPICS.CLIENT_TO_AGENT });
}

const candidateSignals = (p: TestParticipant) =>
  p.messages.filter((m): m is SignalMessage => m.type === 'signal' && m.analyser !== 'session');
const stats = (p: TestParticipant) => p.messages.filter((m): m is StatsMessage => m.type === 'stats');
const agentState = (p: TestParticipant) => agentOf(p)?.attributes[AGENT_STATE_ATTRIBUTE];
/** Waits until `n` more stats messages arrived (the agent's periodic report, once a second here). */
async function statsTicks(p: TestParticipant, n: number): Promise<StatsMessage> {
  const target = stats(p).length + n;
  return waitFor(`${n} stats messages`, () => (stats(p).length >= target ? stats(p).at(-1) : undefined));
}

describe('consent and accommodations through the real stack', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('analyses nothing before consent, refuses consent from others, and stops at withdrawal', async () => {
    const interview = await startInterview(stack, {
      ...MEDIA,
      session: { title: 'consent e2e' },
      candidateName: 'Cam',
      consent: false,
    });
    const { created, interviewer, candidate } = interview;
    // the agent's job starts when the room opens: on a loaded machine that takes up to 120 s, as elsewhere
    await waitFor(
      'the agent waiting for consent',
      () => (agentState(interviewer) === 'waiting-for-consent' ? true : undefined),
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}${dispatchHint(stack)}`);
    });
    // Before consent: the code pad is not read, an interviewer cannot consent for the candidate.
    await send(candidate.room, {
      v: PROTOCOL_VERSION,
      type: 'code',
      revision: 1,
      language: 'javascript',
      text: 'x',
    });
    const grant = {
      v: PROTOCOL_VERSION,
      type: 'consent' as const,
      granted: true,
      disclosureVersion: DISCLOSURE.version,
      groups: ['voice' as const, 'camera' as const],
    };
    await send(interviewer.room, grant);
    await waitFor('the refusal in the agent log', () =>
      /only the candidate can consent or withdraw/.test(stack.agent.output()) ? true : undefined,
    );
    // Media flows for three stats periods: no analyser got a frame, no signal exists.
    const before = await statsTicks(interviewer, 3);
    expect(before.analysers.every((a) => a.framesIn === 0)).toBe(true);
    expect(candidateSignals(interviewer)).toEqual([]);
    expect(agentState(interviewer)).toBe('waiting-for-consent');

    await send(candidate.room, grant);
    await waitFor('audio-level and video-frames signals', () =>
      signalsOf(interviewer, 'audio-level').length > 0 && signalsOf(interviewer, 'video-frames').length > 0
        ? true
        : undefined,
    );
    // The state attribute travels on the signalling channel, the signals as data: either may arrive first.
    await waitFor('the agent analysing', () => (agentState(interviewer) === 'analysing' ? true : undefined));
    await send(candidate.room, { v: PROTOCOL_VERSION, type: 'consent', granted: false });
    await waitFor('the agent waiting for consent again', () =>
      agentState(interviewer) === 'waiting-for-consent' ? true : undefined,
    );
    const after = await statsTicks(interviewer, 3);
    const frames = (s: StatsMessage) => s.analysers.reduce((n, a) => n + a.framesIn, 0);
    expect(frames((await statsTicks(interviewer, 2)) as StatsMessage)).toBe(frames(after));
    await interview.end();

    const db = await openDatabase({ url: stack.databaseUrl });
    try {
      const id = created.session.id;
      const consents = await db.db
        .select()
        .from(schema.consentEvents)
        .where(eq(schema.consentEvents.sessionId, id))
        .orderBy(schema.consentEvents.at, schema.consentEvents.id);
      expect(consents.map((c) => [c.action, c.source, c.identity])).toEqual([
        ['refused', 'data-message', interviewer.identity],
        ['given', 'data-message', candidate.identity],
        ['withdrawn', 'data-message', candidate.identity],
      ]);
      const [, given, withdrawn] = consents;
      if (!given || !withdrawn) throw new Error('consent rows missing');
      const candidateRows = (...where: Parameters<typeof and>) =>
        db.db
          .select()
          .from(schema.signals)
          .where(and(eq(schema.signals.sessionId, id), ne(schema.signals.analyser, 'session'), ...where));
      // No signal of the candidate before the consent nor after the withdrawal; some in between.
      expect(await candidateRows(lt(schema.signals.rangeStart, given.at))).toEqual([]);
      expect(await candidateRows(gt(schema.signals.rangeEnd, withdrawn.at))).toEqual([]);
      expect((await candidateRows()).length).toBeGreaterThan(0);
      expect((await candidateRows(eq(schema.signals.kind, 'code-update'))).length).toBe(0);
      const audit = await db.db
        .select()
        .from(schema.auditEvents)
        .where(eq(schema.auditEvents.sessionId, id))
        .orderBy(schema.auditEvents.at, schema.auditEvents.id);
      expect(audit.map((e) => e.kind)).toEqual(['consent.refused', 'consent.given', 'consent.withdrawn']);
    } finally {
      await db.close();
    }
    // The interviewer's copy agrees with the database.
    for (const s of candidateSignals(interviewer)) expect(s.analyser).not.toBe('session');
  }, 300_000);

  it('never computes the kinds an accommodation switches off, and those analysers do no work', async () => {
    const interview = await startInterview(stack, {
      ...MEDIA,
      session: { title: 'accommodations e2e', accommodations: ['gaze', 'posture'] },
      candidateName: 'Cam again',
      // The candidate adds their own with the consent given on the join page (token request).
      consent: {
        disclosureVersion: DISCLOSURE.version,
        groups: ['voice', 'camera'],
        accommodations: ['delivery-pace'],
      },
    });
    const { created, interviewer } = interview;
    const running = (s: StatsMessage | undefined, name: string) =>
      s?.analysers.find((a) => a.name === name && a.framesIn > 0);
    // Long enough for every analyser to have worked: face presence on 20 frames, 5 s of audio through VAD. (The
    // agent's job start and its sampled frame rate follow the machine's load: up to 120 s, as elsewhere.)
    const last = await waitFor(
      'face presence on 20 frames and 5 s of audio',
      () => {
        const s = stats(interviewer).at(-1);
        return (running(s, 'face-presence')?.framesIn ?? 0) >= 20 &&
          (running(s, 'vad')?.framesIn ?? 0) * AUDIO_CHUNK_MS >= 5000
          ? s
          : undefined;
      },
      120_000,
    );
    await interview.end();

    const off = new Set<string>([
      ...ACCOMMODATIONS.gaze.kinds,
      ...ACCOMMODATIONS.posture.kinds,
      ...ACCOMMODATIONS['delivery-pace'].kinds,
    ]);
    expect(candidateSignals(interviewer).filter((s) => off.has(s.kind))).toEqual([]);
    const idle = Object.fromEntries(
      last.analysers
        .filter((a) => ['face', 'pose', 'pitch', 'delivery'].includes(a.name))
        .map((a) => [a.name, a.framesIn]),
    );
    expect(idle).toEqual({ face: 0, pose: 0, pitch: 0, delivery: 0 });
    expect(running(last, 'audio-level')).toBeDefined();
    expect(running(last, 'video-frames')).toBeDefined();

    const db = await openDatabase({ url: stack.databaseUrl });
    try {
      const id = created.session.id;
      const kinds = await db.db
        .selectDistinct({ kind: schema.signals.kind })
        .from(schema.signals)
        .where(eq(schema.signals.sessionId, id));
      expect(kinds.map((k) => k.kind).filter((k) => off.has(k))).toEqual([]);
      expect(kinds.map((k) => k.kind)).toContain('audio-level');
      const audit = await db.db
        .select()
        .from(schema.auditEvents)
        .where(and(eq(schema.auditEvents.sessionId, id), eq(schema.auditEvents.kind, 'accommodations')));
      expect(audit.at(-1)?.data.accommodations).toEqual(['gaze', 'posture', 'delivery-pace']);
    } finally {
      await db.close();
    }
  }, 240_000);
});
