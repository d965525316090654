import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { StorageError } from './errors.js';
import { hashInvite } from './invites.js';
import { InterviewStore } from './store.js';
import type { HintInput, SignalInput } from './store-types.js';
import { storageTargets } from './testing.js';

const T0 = Date.UTC(2025, 0, 2, 10, 0, 0);

function signal(sessionId: string, n: number, over: Partial<SignalInput> = {}): SignalInput {
  return {
    id: `sig-${randomUUID()}`,
    sessionId,
    analyser: 'audio-level',
    kind: 'speaking',
    media: 'audio',
    range: { start: T0 + n * 1000, end: T0 + n * 1000 + 500 },
    values: { rmsDbfs: -23.5, voiced: true, note: 'x' },
    confidence: 0.75,
    summary: `speaking for ${n} s`,
    ...over,
  };
}

function hint(sessionId: string, over: Partial<HintInput> = {}): HintInput {
  return {
    id: `hint-${randomUUID()}`,
    sessionId,
    kind: 'long-silence',
    text: 'The candidate has not spoken for 40 s.',
    evidence: ['sig-a', 'sig-b'],
    confidence: 0.6,
    source: 'rules',
    createdAt: T0 + 5000,
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<StorageError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  return err as StorageError;
}

describe.each(storageTargets())('InterviewStore on $name', (target) => {
  let store: InterviewStore;
  let db: Database;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const { opened, cleanup: c } = await target.open();
    expect(opened.kind).toBe(target.name);
    store = new InterviewStore(opened.db);
    db = opened.db;
    cleanup = c;
  });
  afterAll(() => cleanup?.());

  const newSession = (settings = {}) =>
    store.createSession({
      roomName: `interview-${randomUUID()}`,
      candidateInviteHash: hashInvite(`c-${randomUUID()}`),
      interviewerInviteHash: hashInvite(`i-${randomUUID()}`),
      settings,
    });

  it('creates, finds and ends a session', async () => {
    const created = await store.createSession({
      roomName: `interview-${randomUUID()}`,
      candidateInviteHash: hashInvite('candidate-secret'),
      interviewerInviteHash: hashInvite('interviewer-secret'),
      settings: { title: 'Backend engineer' },
      createdAt: T0,
    });
    expect(created.createdAt).toEqual(new Date(T0));
    expect(created.endedAt).toBeNull();
    expect(await store.getSession(created.id)).toEqual(created);
    expect(await store.getSessionByRoom(created.roomName)).toEqual(created);
    expect((await store.getSession(created.id))?.settings).toEqual({ title: 'Backend engineer' });
    expect(await store.getSession('no-such-session')).toBeUndefined();

    expect(await store.endSession(created.id, T0 + 60_000)).toBe(true);
    expect(await store.endSession(created.id, T0 + 90_000)).toBe(false);
    expect((await store.getSession(created.id))?.endedAt).toEqual(new Date(T0 + 60_000));
    expect(await store.endSession('no-such-session')).toBe(false);
  });

  it('refuses a room name that is taken', async () => {
    const first = await newSession();
    const err = await rejection(
      store.createSession({
        roomName: first.roomName,
        candidateInviteHash: hashInvite('a'),
        interviewerInviteHash: hashInvite('b'),
      }),
    );
    expect(err.code).toBe('conflict');
  });

  it('records joins and leaves', async () => {
    const s = await newSession();
    await store.recordJoin({
      sessionId: s.id,
      identity: 'candidate-1',
      role: 'candidate',
      name: 'Ada',
      at: T0,
    });
    await store.recordJoin({ sessionId: s.id, identity: 'interviewer-1', role: 'interviewer', at: T0 + 1 });
    expect(await store.recordLeave({ sessionId: s.id, identity: 'candidate-1', at: T0 + 10_000 })).toBe(true);
    expect(await store.recordLeave({ sessionId: s.id, identity: 'candidate-1', at: T0 + 20_000 })).toBe(
      false,
    );
    expect(await store.recordLeave({ sessionId: s.id, identity: 'nobody', at: T0 })).toBe(false);
    const list = await store.listParticipants(s.id);
    expect(list.map((p) => [p.identity, p.role, p.name, p.leftAt?.getTime() ?? null])).toEqual([
      ['candidate-1', 'candidate', 'Ada', T0 + 10_000],
      ['interviewer-1', 'interviewer', '', null],
    ]);
    expect(list[0]?.joinedAt).toEqual(new Date(T0));
  });

  it('rejects a join for an unknown session or with an unknown role', async () => {
    const unknown = await rejection(
      store.recordJoin({ sessionId: 'missing', identity: 'x', role: 'candidate', at: T0 }),
    );
    expect(unknown.code).toBe('session_not_found');
    const s = await newSession();
    const badRole = await rejection(
      store.recordJoin({ sessionId: s.id, identity: 'x', role: 'admin' as 'candidate', at: T0 }),
    );
    expect(badRole.code).toBe('invalid_input');
  });

  it('stores a batch of signals with protocol ids and returns Dates', async () => {
    const s = await newSession();
    const batch = [signal(s.id, 2), signal(s.id, 0), signal(s.id, 1)];
    expect(await store.insertSignals(batch)).toBe(3);
    const rows = await store.listSignals(s.id);
    expect(rows.map((r) => r.id)).toEqual([batch[1]?.id, batch[2]?.id, batch[0]?.id]);
    const first = rows[0];
    expect(first?.rangeStart).toEqual(new Date(T0));
    expect(first?.rangeEnd).toEqual(new Date(T0 + 500));
    expect(first?.values).toEqual({ rmsDbfs: -23.5, voiced: true, note: 'x' });
    expect(first?.confidence).toBeCloseTo(0.75);
    expect(await store.insertSignals([])).toBe(0);
  });

  it('skips duplicate signal ids, across and within batches', async () => {
    const s = await newSession();
    const batch = [signal(s.id, 0), signal(s.id, 1)];
    expect(await store.insertSignals(batch)).toBe(2);
    expect(await store.insertSignals(batch)).toBe(0);
    const again = signal(s.id, 3);
    expect(await store.insertSignals([again, { ...again, summary: 'changed' }])).toBe(1);
    const rows = await store.listSignals(s.id);
    expect(rows).toHaveLength(3);
    expect(rows.find((r) => r.id === again.id)?.summary).toBe(again.summary);
  });

  it('rejects signals of an unknown session without storing any of the batch', async () => {
    const s = await newSession();
    const err = await rejection(store.insertSignals([signal(s.id, 0), signal('missing-session', 1)]));
    expect(err.code).toBe('session_not_found');
    expect(await store.listSignals(s.id)).toEqual([]);
  });

  it('rejects out-of-range values with invalid_input', async () => {
    const s = await newSession();
    const cases: Partial<SignalInput>[] = [
      { confidence: 1.5 },
      { confidence: Number.NaN },
      { range: { start: T0 + 10, end: T0 } },
      { range: { start: Number.NaN, end: T0 } },
      { media: 'smell' as 'audio' },
    ];
    for (const over of cases) {
      const err = await rejection(store.insertSignals([signal(s.id, 0, over)]));
      expect(err.code, JSON.stringify(over)).toBe('invalid_input');
    }
    expect((await rejection(store.listSignals(s.id, { limit: 0 }))).code).toBe('invalid_input');
  });

  it('stores hints, publication and feedback', async () => {
    const s = await newSession();
    const h = hint(s.id);
    expect(await store.insertHint(h)).toBe(true);
    expect(await store.insertHint({ ...h, text: 'duplicate' })).toBe(false);
    expect(await store.markHintPublished(h.id, T0 + 6000)).toBe(true);
    expect(await store.markHintPublished(h.id, T0 + 9000)).toBe(true);
    expect(
      await store.recordHintFeedback({ sessionId: s.id, hintId: h.id, useful: false, at: T0 + 7000 }),
    ).toBe(true);
    expect(await store.recordHintFeedback({ hintId: h.id, useful: true, at: T0 + 8000 })).toBe(true);
    const [row] = await store.listHints(s.id);
    expect(row).toMatchObject({
      id: h.id,
      text: h.text,
      evidence: ['sig-a', 'sig-b'],
      source: 'rules',
      createdAt: new Date(T0 + 5000),
      publishedAt: new Date(T0 + 6000),
      feedbackUseful: true,
      feedbackAt: new Date(T0 + 8000),
    });
  });

  it('returns false for feedback on an unknown hint or a hint of another session', async () => {
    const s = await newSession();
    const other = await newSession();
    const h = hint(s.id);
    await store.insertHint(h);
    expect(await store.recordHintFeedback({ hintId: 'no-such-hint', useful: true, at: T0 })).toBe(false);
    expect(await store.recordHintFeedback({ sessionId: other.id, hintId: h.id, useful: true, at: T0 })).toBe(
      false,
    );
    expect(await store.markHintPublished('no-such-hint')).toBe(false);
    expect((await store.listHints(s.id))[0]?.feedbackUseful).toBeNull();
    const err = await rejection(store.insertHint(hint('missing-session')));
    expect(err.code).toBe('session_not_found');
  });

  it('writes transcript segments interim then final, never overwriting a final one', async () => {
    const s = await newSession();
    const other = await newSession();
    const seg = {
      id: `seg-${randomUUID()}`,
      sessionId: s.id,
      speakerIdentity: 'candidate-1',
      speakerRole: 'candidate' as const,
      text: 'I would use a',
      start: T0 + 2000,
      end: T0 + 3000,
      final: false,
    };
    expect(await store.insertTranscriptSegment(seg)).toBe(true);
    expect(
      await store.insertTranscriptSegment({
        ...seg,
        text: 'I would use a hash map.',
        end: T0 + 4000,
        final: true,
      }),
    ).toBe(true);
    expect(await store.insertTranscriptSegment({ ...seg, text: 'late interim', final: false })).toBe(false);
    expect(await store.insertTranscriptSegment({ ...seg, sessionId: other.id })).toBe(false);
    await store.insertTranscriptSegment({
      ...seg,
      id: `seg-${randomUUID()}`,
      text: '',
      start: T0,
      end: T0 + 1000,
      final: true,
      status: 'failed',
    });
    const rows = await store.listTranscript(s.id);
    expect(rows.map((r) => [r.text, r.final, r.status])).toEqual([
      ['', true, 'failed'],
      ['I would use a hash map.', true, 'ok'],
    ]);
    expect(rows[1]?.endAt).toEqual(new Date(T0 + 4000));
    expect(await store.listTranscript(other.id)).toEqual([]);
    const err = await rejection(store.insertTranscriptSegment({ ...seg, id: 'x', start: T0 + 5000 }));
    expect(err.code).toBe('invalid_input');
  });

  it('dates when a transcript segment became final, failed ones included', async () => {
    const s = await newSession();
    const seg = {
      id: `seg-${randomUUID()}`,
      sessionId: s.id,
      speakerIdentity: 'candidate-1',
      speakerRole: 'candidate' as const,
      text: 'So the first',
      start: T0 + 2000,
      end: T0 + 3000,
      final: false,
    };
    const row = async (id: string) => (await store.listTranscript(s.id)).find((r) => r.id === id);
    // interim only: not final yet, whatever time the writer passes
    expect(await store.insertTranscriptSegment({ ...seg, finalizedAt: T0 + 3100 })).toBe(true);
    expect((await row(seg.id))?.finalizedAt).toBeNull();
    expect(await store.insertTranscriptSegment({ ...seg, text: 'So the first step', end: T0 + 3500 })).toBe(
      true,
    );
    expect((await row(seg.id))?.finalizedAt).toBeNull();
    // the final version dates it; a late version changes nothing
    const final = {
      ...seg,
      text: 'So the first step is',
      end: T0 + 4000,
      final: true,
      finalizedAt: T0 + 4200,
    };
    expect(await store.insertTranscriptSegment(final)).toBe(true);
    expect((await row(seg.id))?.finalizedAt).toEqual(new Date(T0 + 4200));
    expect(await store.insertTranscriptSegment({ ...final, finalizedAt: T0 + 9000 })).toBe(false);
    expect(await store.insertTranscriptSegment({ ...seg, text: 'late interim' })).toBe(false);
    expect(await row(seg.id)).toMatchObject({
      text: 'So the first step is',
      finalizedAt: new Date(T0 + 4200),
    });
    // given up: final with status failed, dated like any final version
    const failed = { ...seg, id: `seg-${randomUUID()}`, text: '', final: true, status: 'failed' as const };
    expect(await store.insertTranscriptSegment({ ...failed, finalizedAt: T0 + 6000 })).toBe(true);
    expect((await row(failed.id))?.finalizedAt).toEqual(new Date(T0 + 6000));
    // no time given: the time of the final write (the same statement dates created_at)
    const direct = { ...seg, id: `seg-${randomUUID()}`, final: true };
    expect(await store.insertTranscriptSegment(direct)).toBe(true);
    const stored = await row(direct.id);
    expect(stored?.finalizedAt).toBeInstanceOf(Date);
    expect(stored?.finalizedAt).toEqual(stored?.createdAt);
    const err = await rejection(
      store.insertTranscriptSegment({ ...direct, id: `seg-${randomUUID()}`, finalizedAt: Number.NaN }),
    );
    expect(err.code).toBe('invalid_input');
  });

  it('refuses a finalisation time on a segment that is not final', async () => {
    const s = await newSession();
    const insert = (final: boolean) =>
      db.execute(
        sql`insert into transcript_segments (id, session_id, speaker_identity, speaker_role, text, start_at, end_at, final, finalized_at)
            values (${`seg-${randomUUID()}`}, ${s.id}, 'candidate-1', 'candidate', 'x', now(), now(), ${final}, now())`,
      );
    await expect(insert(false)).rejects.toThrow();
    await expect(insert(true)).resolves.toBeDefined();
    // rows stored before the column existed (final, no time) stay valid
    await db.execute(
      sql`insert into transcript_segments (id, session_id, speaker_identity, speaker_role, text, start_at, end_at, final)
          values (${`seg-${randomUUID()}`}, ${s.id}, 'candidate-1', 'candidate', 'y', now(), now(), true)`,
    );
    const rows = await store.listTranscript(s.id);
    expect(rows.map((r) => [r.text, r.finalizedAt === null])).toEqual(
      expect.arrayContaining([
        ['x', false],
        ['y', true],
      ]),
    );
    expect(rows).toHaveLength(2);
  });
});
