import { exampleSignal, type SignalKind, signalMessageSchema } from '@interview-helper/protocol';
import { hashInvite, InterviewStore, type OpenedDatabase, openDatabase } from '@interview-helper/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisGapDraft, dispatchMetadata, SessionResume } from './resume.js';

describe('SessionResume', () => {
  let opened: OpenedDatabase;
  let store: InterviewStore;
  beforeAll(async () => {
    opened = await openDatabase();
    store = new InterviewStore(opened.db);
  });
  afterAll(() => opened?.close());

  const newSession = async () =>
    (
      await store.createSession({
        roomName: `room-${Math.random()}`,
        candidateInviteHash: hashInvite('c'),
        interviewerInviteHash: hashInvite('i'),
        settings: { allowOptOut: true },
      })
    ).id;
  const signal = (sessionId: string, kind: SignalKind, at: number, values: Record<string, unknown> = {}) => ({
    ...exampleSignal(kind, values as never, at, {
      id: `sig_${kind}_${at}_${sessionId.slice(0, 8)}`,
      sessionId,
      range: { start: at - 1000, end: at },
    }),
  });

  it('finds nothing to resume in a session without stored signals', async () => {
    const id = await newSession();
    expect(await new SessionResume(opened.db).load(id, Date.now())).toBeUndefined();
  });

  it('restores the stored progress: last signal, answers, code-pad revision, opt-out groups, hints', async () => {
    const id = await newSession();
    const t0 = 1_763_700_000_000;
    await store.insertSignals([
      signal(id, 'audio-level', t0),
      signal(id, 'answer-end', t0 + 1000),
      signal(id, 'answer-end', t0 + 5000),
      signal(id, 'code-update', t0 + 2000, { revision: 4 }),
      signal(id, 'code-update', t0 + 6000, { revision: 7 }),
      signal(id, 'opt-out', t0 + 3000, { groups: 'voice,camera', count: 2 }),
      signal(id, 'opt-out', t0 + 4000, { groups: 'voice', count: 1 }),
      signal(id, 'video-frames', t0 + 8000),
    ]);
    await store.insertHint({
      id: 'hint-1',
      sessionId: id,
      kind: 'long-pause',
      text: 'Offer to repeat the question.',
      evidence: [],
      confidence: 0.8,
      source: 'rules',
      createdAt: t0 + 4500,
      publishedAt: t0 + 4600,
      recipients: ['interviewer-1'],
    });
    const now = t0 + 15_000;
    const resumed = await new SessionResume(opened.db).load(id, now);
    expect(resumed).toMatchObject({
      sessionId: id,
      gapFrom: t0 + 8000,
      gapTo: now,
      optOutGroups: ['voice'],
      codeRevision: 7,
      progress: { signals: 8, answers: 2 },
    });
    expect(resumed?.progress.hints).toEqual([
      { kind: 'long-pause', at: t0 + 4600, recipients: ['interviewer-1'] },
    ]);

    // The gap signal: a valid catalogue signal naming the stretch and what was restored.
    if (!resumed) throw new Error('nothing resumed');
    const draft = analysisGapDraft(resumed);
    const message = signalMessageSchema.parse({
      v: 2,
      type: 'signal',
      id: 'sig_gap',
      sessionId: id,
      analyser: 'session',
      media: 'text',
      ...draft,
    });
    expect(message.kind).toBe('analysis-gap');
    expect(message.range).toEqual({ start: t0 + 8000, end: now });
    expect(message.values).toEqual({
      from: t0 + 8000,
      to: now,
      seconds: 7,
      signalsBefore: 8,
      answersBefore: 2,
      codeRevision: 7,
      optOutGroups: 'voice',
    });
    expect(message.summary).toMatch(/gap of 7 s/);
  });

  it('reads the dispatch metadata of a re-dispatch, and nothing from foreign metadata', () => {
    expect(dispatchMetadata('{"sessionId":"s1","resume":true,"attempt":2}')).toEqual({
      sessionId: 's1',
      resume: true,
      attempt: 2,
    });
    expect(dispatchMetadata('{"sessionId":"s1"}')).toEqual({ sessionId: 's1' });
    expect(dispatchMetadata('not json')).toBeUndefined();
    expect(dispatchMetadata('{"other":1}')).toBeUndefined();
    expect(dispatchMetadata(undefined)).toBeUndefined();
  });
});
