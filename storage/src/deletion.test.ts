import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { SessionDeletion } from './deletion.js';
import { StorageError } from './errors.js';
import { hashInvite } from './invites.js';
import { EXPORT_FORMAT, SessionExporter } from './session-export.js';
import { SESSION_TABLES } from './session-tables.js';
import { InterviewStore } from './store.js';
import { rowsMentioning, rowsOf, storageTargets } from './testing.js';

const T0 = Date.UTC(2026, 10, 2, 10, 0, 0);

/** A session with rows in every table: two candidate stays, an interviewer, signals, a hint, speech, a report. */
async function seed(store: InterviewStore, createdAt = T0) {
  const tag = randomUUID().slice(0, 8);
  const session = await store.createSession({
    roomName: `interview-${tag}`,
    candidateInviteHash: hashInvite(`c-${tag}`),
    interviewerInviteHash: hashInvite(`i-${tag}`),
    settings: { title: `Backend ${tag}` },
    createdAt,
  });
  const id = session.id;
  const who = { candidate: `cand-${tag}`, rejoined: `cand2-${tag}`, interviewer: `int-${tag}` };
  await store.recordJoin({ sessionId: id, identity: who.interviewer, role: 'interviewer', at: T0 });
  await store.recordJoin({ sessionId: id, identity: who.candidate, role: 'candidate', name: 'Cam', at: T0 });
  await store.recordJoin({
    sessionId: id,
    identity: who.rejoined,
    role: 'candidate',
    name: 'Cam',
    at: T0 + 9,
  });
  const signal = (n: number) => ({
    id: `sig-${tag}-${n}`,
    sessionId: id,
    analyser: 'vad',
    kind: 'long-pause',
    media: 'audio' as const,
    range: { start: T0 + n, end: T0 + n + 1 },
    values: { silenceSeconds: 9 },
    confidence: 1,
    summary: 'silent 9 s',
  });
  await store.insertSignals([signal(1), signal(2), signal(3)]);
  await store.insertHint({
    id: `hint-${tag}`,
    sessionId: id,
    kind: 'long-pause',
    text: 'Silent for 9 s: offer to rephrase.',
    evidence: [`sig-${tag}-1`],
    confidence: 0.7,
    source: 'rules',
    createdAt: T0 + 5,
  });
  const segment = (n: number, speaker: string, role: 'candidate' | 'interviewer', text: string) =>
    store.insertTranscriptSegment({
      id: `seg-${tag}-${n}`,
      sessionId: id,
      speakerIdentity: speaker,
      speakerRole: role,
      text,
      start: T0 + n * 1000,
      end: T0 + n * 1000 + 500,
      final: true,
    });
  await segment(1, who.interviewer, 'interviewer', `question ${tag}`);
  await segment(2, who.candidate, 'candidate', `answer ${tag}`);
  await segment(3, who.rejoined, 'candidate', `more ${tag}`);
  await store.saveReport(id, { version: 1, tag }, T0 + 60_000);
  return { session, tag, who };
}

describe.each(storageTargets())('SessionDeletion on $name', (target) => {
  let db: Database;
  let store: InterviewStore;
  let deletion: SessionDeletion;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const { opened, cleanup: c } = await target.open();
    db = opened.db;
    store = new InterviewStore(db);
    deletion = new SessionDeletion(db);
    cleanup = c;
  });
  afterAll(() => cleanup?.());

  it('deletes every row of the session and keeps only the receipt', async () => {
    const kept = await seed(store);
    const { session, tag, who } = await seed(store);
    const before = await rowsMentioning(db, tag);
    expect(Object.keys(before).sort()).toEqual(
      ['hints', 'participants', 'session_reports', 'sessions', 'signals', 'transcript_segments'].sort(),
    );

    const at = new Date(T0 + 86_400_000);
    const result = await deletion.deleteSession(session.id, {
      requestedBy: 'hr-ops (ticket 4711)',
      reason: 'request',
      at,
      room: 'closed',
    });
    expect(result.status).toBe('deleted');
    if (result.status !== 'deleted') return;
    expect(result.receipt).toMatchObject({
      sessionId: session.id,
      roomName: session.roomName,
      sessionCreatedAt: new Date(T0),
      deletedAt: at,
      requestedBy: 'hr-ops (ticket 4711)',
      reason: 'request',
      room: 'closed',
      rows: {
        participants: 3,
        signals: 3,
        hints: 1,
        transcript_segments: 3,
        session_reports: 1,
        sessions: 1,
      },
    });
    expect(Object.keys(result.receipt.rows).sort()).toEqual(
      [...SESSION_TABLES.map((t) => t.name), 'sessions'].sort(),
    );

    // Nothing in any table mentions the session, its room, its people or its words, except the receipt.
    for (const needle of [session.id, session.roomName]) {
      expect(await rowsMentioning(db, needle)).toEqual({ deletion_receipts: 1 });
    }
    for (const needle of [tag, who.candidate, who.interviewer, `answer ${tag}`, `Backend ${tag}`]) {
      expect(await rowsMentioning(db, needle), needle).toEqual(
        needle === tag ? { deletion_receipts: 1 } : {},
      );
    }
    // The other session is untouched.
    expect(await rowsMentioning(db, kept.tag)).toEqual({
      hints: 1,
      participants: 3,
      session_reports: 1,
      sessions: 1,
      signals: 3,
      transcript_segments: 3,
    });
    expect(await deletion.getReceipt(session.id)).toEqual(result.receipt);
  });

  it('answers a repeated deletion with the first receipt and an unknown id with not-found', async () => {
    const { session } = await seed(store);
    const request = { requestedBy: 'admin', reason: 'request' as const };
    const [a, b] = await Promise.all([
      deletion.deleteSession(session.id, request),
      deletion.deleteSession(session.id, request),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual(['already-deleted', 'deleted']);
    const again = await deletion.deleteSession(session.id, request);
    expect(again.status).toBe('already-deleted');
    const first = a.status === 'deleted' ? a : b;
    if (again.status === 'already-deleted' && first.status === 'deleted') {
      expect(again.receipt).toEqual(first.receipt);
    }
    const receipts = await rowsOf<{ n: number }>(
      db,
      sql`select count(*)::int as n from deletion_receipts where session_id = ${session.id}`,
    );
    expect(receipts[0]?.n).toBe(1);
    expect(await deletion.deleteSession(`no-such-${randomUUID()}`, request)).toEqual({ status: 'not-found' });
    expect(await deletion.getReceipt(`no-such-${randomUUID()}`)).toBeUndefined();
  });

  it('never lets a deleted session be recorded again, and late writes fail', async () => {
    const { session } = await seed(store);
    await deletion.deleteSession(session.id, { requestedBy: 'admin', reason: 'request' });
    const again = await store
      .createSession({
        roomName: session.roomName,
        candidateInviteHash: hashInvite('x'),
        interviewerInviteHash: hashInvite('y'),
      })
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(StorageError);
    expect((again as StorageError).code).toBe('conflict');
    const late = await store
      .insertSignals([
        {
          id: `sig-late-${randomUUID()}`,
          sessionId: session.id,
          analyser: 'vad',
          kind: 'long-pause',
          media: 'audio',
          range: { start: T0, end: T0 },
          values: {},
          confidence: 1,
          summary: 'late',
        },
      ])
      .catch((e: unknown) => e);
    expect((late as StorageError).code).toBe('session_not_found');
    expect(await rowsMentioning(db, session.id)).toEqual({ deletion_receipts: 1 });
  });

  it('refuses an empty or overlong requestedBy without deleting', async () => {
    const { session } = await seed(store);
    for (const requestedBy of [' ', 'x'.repeat(201)]) {
      const err = await deletion
        .deleteSession(session.id, { requestedBy, reason: 'request' })
        .catch((e) => e);
      expect((err as StorageError).code).toBe('invalid_input');
    }
    expect(await store.getSession(session.id)).toBeDefined();
  });

  it('lists sessions created before a time, oldest first', async () => {
    const old = await seed(store, T0 - 40 * 86_400_000);
    const older = await seed(store, T0 - 50 * 86_400_000);
    const listed = await deletion.listCreatedBefore(T0 - 30 * 86_400_000);
    const ids = listed.map((s) => s.id);
    expect(ids.indexOf(older.session.id)).toBeLessThan(ids.indexOf(old.session.id));
    expect(ids).toContain(old.session.id);
    expect(listed.every((s) => s.createdAt.getTime() < T0 - 30 * 86_400_000)).toBe(true);
    expect(await deletion.listCreatedBefore(T0 - 45 * 86_400_000, 1)).toHaveLength(1);
  });

  it('exports the candidate’s rows: their stays and speech, and everything observed about them', async () => {
    const exporter = new SessionExporter(db);
    const { session, tag, who } = await seed(store);
    const all = await exporter.exportCandidate(session.id, { at: new Date(T0) });
    if (typeof all === 'string') throw new Error(all);
    expect(all.format).toBe(EXPORT_FORMAT);
    expect(all.exportedAt).toBe(new Date(T0).toISOString());
    expect(all.session).toMatchObject({ id: session.id, settings: { title: `Backend ${tag}` } });
    expect(all.identities.sort()).toEqual([who.candidate, who.rejoined].sort());
    expect(Object.keys(all.tables).sort()).toEqual(SESSION_TABLES.map((t) => t.name).sort());
    expect(all.tables.participants?.map((p) => p.identity).sort()).toEqual(
      [who.candidate, who.rejoined].sort(),
    );
    expect(all.tables.transcript_segments?.map((s) => s.text).sort()).toEqual([
      `answer ${tag}`,
      `more ${tag}`,
    ]);
    expect(all.tables.signals).toHaveLength(3);
    expect(all.tables.hints?.[0]).toMatchObject({ text: 'Silent for 9 s: offer to rephrase.' });
    expect(all.tables.session_reports?.[0]).toMatchObject({ report: { version: 1, tag } });
    expect(JSON.stringify(all)).not.toContain(`question ${tag}`);

    const one = await exporter.exportCandidate(session.id, { identity: who.rejoined });
    if (typeof one === 'string') throw new Error(one);
    expect(one.identities).toEqual([who.rejoined]);
    expect(one.tables.transcript_segments?.map((s) => s.text)).toEqual([`more ${tag}`]);
    expect(one.tables.participants).toHaveLength(1);

    expect(await exporter.exportCandidate(session.id, { identity: who.interviewer })).toBe(
      'participant-not-found',
    );
    expect(await exporter.exportCandidate(`no-${tag}`)).toBe('session-not-found');
    await deletion.deleteSession(session.id, { requestedBy: 'admin', reason: 'request' });
    expect(await exporter.exportCandidate(session.id)).toBe('session-not-found');
  });
});
