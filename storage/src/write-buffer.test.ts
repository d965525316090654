import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleSignal, type SignalMessage } from '@interview-helper/protocol';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditStore } from './audit-store.js';
import { ConsentStore } from './consent-store.js';
import { type OpenedDatabase, openDatabase } from './database.js';
import { StorageError } from './errors.js';
import { flushSpill } from './flush-spill.js';
import { HintStore } from './hint-store.js';
import { type PgliteServer, startPgliteServer } from './pglite-server.js';
import { PlanStore } from './plan-store.js';
import { InterviewStore } from './store.js';
import { rowsOf } from './testing.js';
import { WriteBuffer, type WriteBufferState } from './write-buffer.js';
import { isConnectionError } from './write-errors.js';
import { applyWrite, type WriteOp } from './write-ops.js';

/** Signal ids are unique across sessions: each session's own. */
const sigId = (sessionId: string, i: number) => `sig_${sessionId.slice(0, 8)}_${String(i).padStart(5, '0')}`;
const sigIds = (sessionId: string, ...i: number[]) => i.map((n) => sigId(sessionId, n));

const signal = (sessionId: string, i: number): SignalMessage =>
  exampleSignal('speech-segment', { seconds: 1 }, 1_763_700_000_000 + i * 1000, {
    id: sigId(sessionId, i),
    sessionId,
    analyser: 'vad',
    range: { start: 1_763_700_000_000 + i * 1000 - 500, end: 1_763_700_000_000 + i * 1000 },
  });

const newSession = (store: InterviewStore, room: string) =>
  store.createSession({
    roomName: room,
    candidateInviteHash: 'c'.repeat(64),
    interviewerInviteHash: 'i'.repeat(64),
  });

/** Polls until `check` holds (no fixed sleeps as assertions). */
async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const temp: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temp.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

describe('WriteBuffer against a database server that goes away and comes back', () => {
  let server: PgliteServer | undefined;
  let opened: OpenedDatabase;
  let dataDir: string;
  let port: number;

  beforeAll(async () => {
    dataDir = tempDir('ih-wb-pglite-');
    server = await startPgliteServer({ dataDir, port: 0 });
    port = server.port;
    opened = await openDatabase({ url: server.url, migrate: false, connectTimeoutSeconds: 2 });
  });
  afterAll(async () => {
    await opened?.close();
    await server?.stop();
  });

  it('keeps every write while the server is down, spills past the bound and flushes them in order', async () => {
    const store = new InterviewStore(opened.db);
    const session = await newSession(store, 'outage-room');
    const states: WriteBufferState[] = [];
    const spillDir = tempDir('ih-wb-spill-');
    const buffer = new WriteBuffer(opened.db, { maxRows: 40, spillDir, retryMinMs: 20, retryMaxMs: 200 });
    buffer.onChange((s) => states.push(s.state));
    const s = (i: number) => signal(session.id, i);

    buffer.enqueue({ op: 'insertSignals', signals: [s(0), s(1)] });
    await buffer.drain();
    expect((await store.listSignals(session.id)).map((r) => r.id)).toEqual(sigIds(session.id, 0, 1));

    await server?.stop();
    server = undefined;
    const queuedFrom = Date.now();
    // The interview goes on: every kind of write of a session, none of them waiting for the database.
    const writes: WriteOp[] = [
      { op: 'recordJoin', join: { sessionId: session.id, identity: 'cam', role: 'candidate', at: 1000 } },
      {
        op: 'insertHint',
        hint: {
          id: 'hint_1',
          sessionId: session.id,
          kind: 'long-pause',
          text: 'Long pause',
          evidence: ['sig_evidence'],
          confidence: 0.8,
          source: 'rules',
          createdAt: 2000,
        },
      },
      { op: 'addHintRecipients', hintId: 'hint_1', identities: ['ivy'], at: 2100 },
      { op: 'addHintDrops', hintId: 'hint_1', drops: [{ identity: 'ian', reason: 'cadence', at: 2100 }] },
      {
        op: 'insertTranscriptSegment',
        segment: {
          id: 'seg_1',
          sessionId: session.id,
          speakerIdentity: 'cam',
          speakerRole: 'candidate',
          text: 'I would use a queue',
          start: 1000,
          end: 2000,
          final: true,
        },
      },
      { op: 'appendAudit', events: [{ sessionId: session.id, kind: 'settings', actor: 'ivy' }] },
    ];
    for (const w of writes) buffer.enqueue(w);
    for (let i = 2; i < 102; i += 2) buffer.enqueue({ op: 'insertSignals', signals: [s(i), s(i + 1)] });
    await until('the buffer to retry', () => buffer.status().failedAttempts > 0);
    const down = buffer.status();
    expect(down.state).toBe('full');
    expect(down.pendingRows).toBe(106);
    expect(down.spilledRows).toBeGreaterThan(0);
    expect(readdirSync(spillDir).length).toBeGreaterThan(0);
    expect(down.droppedRows).toBe(0);

    const queuedTo = Date.now();
    server = await startPgliteServer({ dataDir, port, migrate: false });
    expect(await buffer.drain(60_000)).toBe(true);
    const after = buffer.status();
    expect(after).toMatchObject({ state: 'ok', pendingRows: 0, droppedRows: 0, rejectedRows: 0 });
    expect(after.lastRecovery?.rows).toBe(106);
    expect(after.lastRecovery?.flushMs).toBeGreaterThanOrEqual(0);
    expect(states).toContain('full');
    expect(states.at(-1)).toBe('ok');

    const ids = (await store.listSignals(session.id)).map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: 102 }, (_, i) => sigId(session.id, i)));
    const [hint] = await store.listHints(session.id);
    expect(hint).toMatchObject({ id: 'hint_1', recipients: ['ivy'] });
    expect(hint?.drops).toEqual([{ identity: 'ian', reason: 'cadence', at: 2100 }]);
    expect((await store.listParticipants(session.id)).map((p) => p.identity)).toEqual(['cam']);
    const [segment] = await store.listTranscript(session.id);
    expect(segment?.text).toBe('I would use a queue');
    // dated by when it was queued (it became final then), not by when the database was back
    const finalizedAt = segment?.finalizedAt?.getTime() ?? Number.NaN;
    expect(finalizedAt).toBeGreaterThanOrEqual(queuedFrom);
    expect(finalizedAt).toBeLessThanOrEqual(queuedTo);
    expect((await new AuditStore(opened.db).listAudit(session.id)).map((a) => a.kind)).toEqual(['settings']);
    expect(readdirSync(spillDir)).toEqual([]);
    await buffer.close();
  });

  it("stores an interviewer's plan edit made while the server is down once it is back, with the coverage queued after it", async () => {
    const store = new InterviewStore(opened.db);
    const plans = new PlanStore(opened.db);
    const session = await newSession(store, 'plan-outage-room');
    await plans.setPlan(session.id, { title: 'first', items: [] }, 'create', { at: 1000 });
    const buffer = new WriteBuffer(opened.db, { retryMinMs: 20, retryMaxMs: 200 });

    await server?.stop();
    server = undefined;
    const edited = { title: 'edited live', items: [{ id: 'q1', text: 'Tell me about queues' }] };
    const applied: unknown[] = [];
    buffer.enqueue({ op: 'setPlan', sessionId: session.id, plan: edited, by: 'ivy', at: 5000 }, (r) =>
      applied.push(r),
    );
    const coverage = { revision: 2, items: { q1: 'asked' } };
    buffer.enqueue({ op: 'savePlanCoverage', sessionId: session.id, coverage, at: 6000 });
    await until('the buffer to retry', () => buffer.status().failedAttempts > 0);
    expect(buffer.status()).toMatchObject({ state: 'retrying', pendingRows: 2 });
    expect(applied).toEqual([]);

    server = await startPgliteServer({ dataDir, port, migrate: false });
    expect(await buffer.drain(60_000)).toBe(true);
    expect(buffer.status()).toMatchObject({ state: 'ok', rejectedRows: 0, droppedRows: 0 });
    const stored = await plans.getPlan(session.id);
    expect(stored).toMatchObject({ revision: 2, plan: edited, updatedBy: 'ivy' });
    expect(stored?.updatedAt.getTime()).toBe(5000);
    expect(applied).toMatchObject([{ revision: 2, updatedBy: 'ivy' }]);
    expect((await plans.getCoverage(session.id))?.coverage).toEqual(coverage);
    await buffer.close();
  });
});

describe('WriteBuffer on an embedded database', () => {
  let opened: OpenedDatabase;
  let store: InterviewStore;
  beforeAll(async () => {
    opened = await openDatabase();
    store = new InterviewStore(opened.db);
  });
  afterAll(() => opened?.close());
  let buffer: WriteBuffer | undefined;
  afterEach(async () => {
    await buffer?.close(0);
    buffer = undefined;
  });

  it('gives up a write the database refuses and goes on with the next ones', async () => {
    const session = await newSession(store, 'refused-room');
    buffer = new WriteBuffer(opened.db, { retryMinMs: 1 });
    buffer.enqueue({ op: 'insertSignals', signals: [signal(session.id, 1)] });
    buffer.enqueue({ op: 'insertSignals', signals: [signal('ses_unknown', 2)] });
    buffer.enqueue({ op: 'insertSignals', signals: [signal(session.id, 3)] });
    const results: unknown[] = [];
    buffer.enqueue(
      {
        op: 'recordHintFeedback',
        feedback: { sessionId: session.id, hintId: 'hint_none', useful: true, at: 1 },
      },
      (r) => results.push(r),
    );
    expect(await buffer.drain(10_000)).toBe(true);
    // the store method's answer reaches whoever asked for it: no such hint
    expect(results).toEqual([false]);
    expect((await store.listSignals(session.id)).map((r) => r.id)).toEqual(sigIds(session.id, 1, 3));
    expect(buffer.status()).toMatchObject({ rejectedRows: 1, appliedRows: 3, droppedRows: 0, state: 'ok' });
  });

  it('without a spill directory, drops the newest writes past the bound and counts them', async () => {
    const session = await newSession(store, 'bounded-room');
    // every statement fails as if the server refused the connection, until `reachable`
    let reachable = false;
    const db = new Proxy(opened.db, {
      get(target, key, receiver) {
        if (!reachable && (key === 'insert' || key === 'select' || key === 'update'))
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
        return Reflect.get(target, key, receiver);
      },
    });
    buffer = new WriteBuffer(db, { maxRows: 3, retryMinMs: 5, retryMaxMs: 20 });
    for (let i = 0; i < 5; i++) buffer.enqueue({ op: 'insertSignals', signals: [signal(session.id, i)] });
    await until('a failed attempt', () => (buffer?.status().failedAttempts ?? 0) > 0);
    expect(buffer.status()).toMatchObject({ state: 'full', pendingRows: 3, droppedRows: 2 });
    reachable = true;
    expect(await buffer.drain(10_000)).toBe(true);
    expect((await store.listSignals(session.id)).map((r) => r.id)).toEqual(sigIds(session.id, 0, 1, 2));
  });

  it('keeps what is left at close in the spill directory; the next buffer on it applies it first', async () => {
    const session = await newSession(store, 'closing-room');
    const spillDir = tempDir('ih-wb-close-');
    let reachable = false;
    const db = new Proxy(opened.db, {
      get(target, key, receiver) {
        if (!reachable && key === 'insert')
          throw Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' });
        return Reflect.get(target, key, receiver);
      },
    });
    const first = new WriteBuffer(db, { maxRows: 2, spillDir, retryMinMs: 5, retryMaxMs: 20 });
    for (let i = 0; i < 4; i++) first.enqueue({ op: 'insertSignals', signals: [signal(session.id, i)] });
    await until('a failed attempt', () => first.status().failedAttempts > 0);
    expect(await first.close(50)).toBe(4);
    expect(first.status().droppedRows).toBe(0);
    first.enqueue({ op: 'insertSignals', signals: [signal(session.id, 9)] });
    expect(first.status().droppedRows).toBe(1);

    reachable = true;
    buffer = new WriteBuffer(opened.db, { spillDir });
    buffer.enqueue({ op: 'insertSignals', signals: [signal(session.id, 4)] });
    expect(await buffer.drain(10_000)).toBe(true);
    expect((await store.listSignals(session.id)).map((r) => r.id)).toEqual(sigIds(session.id, 0, 1, 2, 3, 4));
    expect(readdirSync(spillDir)).toEqual([]);
  });

  it('works without spilling when its spill directory cannot be created', async () => {
    const session = await newSession(store, 'no-spill-room');
    const file = join(tempDir('ih-wb-file-'), 'not-a-dir');
    writeFileSync(file, '');
    const errors: string[] = [];
    const log = { info: () => {}, warn: () => {}, error: (_: object, msg: string) => void errors.push(msg) };
    buffer = new WriteBuffer(opened.db, { spillDir: join(file, 'spill'), log });
    expect(errors).toEqual(['cannot use the spill directory: rows past the buffer will be dropped']);
    buffer.enqueue({ op: 'insertSignals', signals: [signal(session.id, 0)] });
    expect(await buffer.drain(10_000)).toBe(true);
    expect((await store.listSignals(session.id)).map((r) => r.id)).toEqual(sigIds(session.id, 0));
  });

  it('flushSpill writes what ended sessions left on disk and removes their directories', async () => {
    const session = await newSession(store, 'left-room');
    const parent = tempDir('ih-wb-left-');
    const db = new Proxy(opened.db, {
      get(target, key, receiver) {
        if (key === 'insert')
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return Reflect.get(target, key, receiver);
      },
    });
    const ended = new WriteBuffer(db, { spillDir: join(parent, session.id), retryMinMs: 5 });
    for (let i = 0; i < 3; i++) ended.enqueue({ op: 'insertSignals', signals: [signal(session.id, i)] });
    await until('a failed attempt', () => ended.status().failedAttempts > 0);
    expect(await ended.close(0)).toBe(3);

    const flushed = await flushSpill(opened.db, parent);
    expect(flushed).toEqual([
      { dir: join(parent, session.id), appliedRows: 3, rejectedRows: 0, leftRows: 0 },
    ]);
    expect((await store.listSignals(session.id)).map((r) => r.id)).toEqual(sigIds(session.id, 0, 1, 2));
    expect(readdirSync(parent)).toEqual([]);
  });

  it('applies each write twice without a second row (a retry after a failure of unknown outcome)', async () => {
    const session = await newSession(store, 'twice-room');
    await store.insertHint({
      id: 'hint_twice',
      sessionId: session.id,
      kind: 'long-pause',
      text: 'x',
      evidence: [],
      confidence: 1,
      source: 'rules',
      createdAt: 1000,
    });
    const writes: WriteOp[] = [
      { op: 'insertSignals', signals: [signal(session.id, 1)] },
      { op: 'recordJoin', join: { sessionId: session.id, identity: 'cam', role: 'candidate', at: 1000 } },
      {
        op: 'recordConsent',
        consent: {
          sessionId: session.id,
          identity: 'cam',
          action: 'given',
          source: 'data-message',
          at: 1500,
        },
      },
      { op: 'appendAudit', events: [{ sessionId: session.id, kind: 'settings', actor: 'ivy', at: 1600 }] },
      { op: 'addHintDrops', hintId: 'hint_twice', drops: [{ identity: 'ian', reason: 'cadence', at: 1700 }] },
      { op: 'addHintRecipients', hintId: 'hint_twice', identities: ['ivy'], at: 1800 },
      { op: 'setPlan', sessionId: session.id, plan: { items: [] }, by: 'ivy', at: 1900 },
    ];
    for (const w of [...writes, ...writes]) await applyWrite(opened.db, w);
    const count = async (table: string) =>
      (
        await rowsOf<{ n: number }>(
          opened.db,
          sql`select count(*)::int as n from ${sql.identifier(table)} where session_id = ${session.id}`,
        )
      )[0]?.n;
    expect(await count('signals')).toBe(1);
    expect(await count('participants')).toBe(1);
    expect(await count('consent_events')).toBe(1);
    expect((await new PlanStore(opened.db).getPlan(session.id))?.revision).toBe(1);
    // the consent's own audit event and the settings event
    expect(await count('audit_events')).toBe(2);
    expect((await new ConsentStore(opened.db).listConsents(session.id)).length).toBe(1);
    const [hint] = await store.listHints(session.id);
    expect(hint?.drops).toHaveLength(1);
    expect(hint?.recipients).toEqual(['ivy']);
    expect(await new HintStore(opened.db).mergeIntoHint('hint_twice', ['sig_evidence'])).toBe(true);
  });
});

describe('isConnectionError', () => {
  it('tells an unreachable database from a refused write', () => {
    const wrapped = (cause: unknown) =>
      new StorageError('unavailable', 'insertSignals: database error', { cause });
    expect(isConnectionError(wrapped({ code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(wrapped({ code: 'CONNECTION_CLOSED' }))).toBe(true);
    expect(isConnectionError(wrapped({ code: '57P01' }))).toBe(true);
    expect(isConnectionError(wrapped({ code: '08006' }))).toBe(true);
    expect(isConnectionError(wrapped(new AggregateError([{ code: 'ECONNREFUSED' }])))).toBe(true);
    expect(isConnectionError(wrapped({ code: '23503' }))).toBe(false);
    expect(isConnectionError(wrapped({ code: '42P01' }))).toBe(false);
    expect(isConnectionError(new Error('boom'))).toBe(false);
  });
});
