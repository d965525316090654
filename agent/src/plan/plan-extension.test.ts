import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PROTOCOL_VERSION,
  planReportSchema,
  type SignalMessage,
  sessionReportSchema,
} from '@interview-helper/protocol';
import {
  type Database,
  hashInvite,
  InterviewStore,
  type OpenedDatabase,
  openDatabase,
  type PgliteServer,
  PlanStore,
  startPgliteServer,
  WriteBuffer,
} from '@interview-helper/storage';
import type { Room } from '@livekit/rtc-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionBus, type TranscriptEvent } from '../bus/session-bus.js';
import { ClientInbox, type InboxMessage, type Rejection } from '../messaging/inbox.js';
import { InterviewerPublisher } from '../messaging/publisher.js';
import { FakeRoom, until } from '../messaging/testing.js';
import type { SessionContext } from '../session/extension.js';
import { readPlanReport } from './notes.js';
import { PlanExtension } from './plan-extension.js';
import { examplePlan } from './testing.js';

const plan = examplePlan('backend-coding');

/** A session in the database, with the example plan set at its creation; returns its id. */
async function plannedSession(db: Database, roomName: string): Promise<string> {
  const { id } = await new InterviewStore(db).createSession({
    roomName,
    candidateInviteHash: hashInvite('c'),
    interviewerInviteHash: hashInvite('i'),
  });
  await new PlanStore(db).setPlan(id, plan, 'create');
  return id;
}

/** What differs between the contexts of these tests. */
interface ContextOptions {
  room: FakeRoom;
  database: Database;
  /** The session's write path (absent: records are written to the database directly). */
  writes?: WriteBuffer;
  /** The candidate's identity (absent: no candidate). */
  candidate?: string;
  /** Collects the emitted signals (absent: emitting one fails the test). */
  signals?: SignalMessage[];
}

/** The context a {@link PlanExtension} gets from its session, on a fake room and a real database. */
function contextFor(sessionId: string, o: ContextOptions): SessionContext {
  const { signals } = o;
  return {
    sessionId,
    room: o.room as unknown as Room,
    publisher: new InterviewerPublisher(o.room as unknown as Room),
    recorder: {
      presence: async () => {},
      signals: async () => {},
      hintFeedback: async () => false,
      close: async () => {},
      database: o.database,
      writes: o.writes,
    },
    // a handler's error fails the test
    bus: new SessionBus((err) => {
      throw err;
    }),
    turns: { watchPause: () => () => {} },
    candidate: () => o.candidate,
    emitSignal: (draft, source) => {
      if (!signals) throw new Error('no signal expected');
      const s = {
        v: PROTOCOL_VERSION,
        type: 'signal',
        id: `sig_${signals.length}`,
        sessionId,
        ...source,
        ...draft,
      } as SignalMessage;
      signals.push(s);
      return s;
    },
  };
}

describe('PlanExtension', () => {
  let opened: OpenedDatabase;
  let room: FakeRoom;
  let bus: SessionBus;
  let signals: SignalMessage[];
  let sessionId: string;
  let ext: PlanExtension;

  beforeEach(async () => {
    opened = await openDatabase();
    sessionId = await plannedSession(opened.db, 'room-plan');
    room = new FakeRoom();
    room.join('interviewer-1', 'interviewer');
    room.join('candidate-1', 'candidate');
    signals = [];
    const ctx = contextFor(sessionId, { room, database: opened.db, candidate: 'candidate-1', signals });
    bus = ctx.bus;
    ext = new PlanExtension({ tickMs: 50, pollMs: 100 });
    await ext.start(ctx);
  });
  afterEach(async () => {
    await ext.close();
    await opened.close();
  });

  const sent = (type: string) => room.agentMessages().filter((m) => m.message.type === type);
  const say = (id: string, role: 'candidate' | 'interviewer', text: string, start: number, end: number) => {
    const segment: TranscriptEvent = {
      id,
      speaker: { identity: `${role}-1`, role, trackSid: `TR_${role}` },
      text,
      start,
      end,
      status: 'ok',
    };
    bus.emit({ type: 'transcript', segment });
  };
  const coverage = () =>
    sent('coverage').at(-1)?.message as { items: { id: string; status: string }[] } | undefined;

  it('sends the plan and live coverage to interviewers only, from both speakers’ transcript', async () => {
    await until('plan sent', () => sent('plan')[0]);
    for (const m of room.agentMessages()) expect(m.to).toEqual(['interviewer-1']);
    const t0 = Date.now();
    say('seg-i1', 'interviewer', 'How would you test this function?', t0, t0 + 2000);
    say(
      'seg-c1',
      'candidate',
      'I would test the empty list first, then a list without duplicates.',
      t0 + 3000,
      t0 + 7000,
    );
    await until('answered', () =>
      coverage()?.items.find((i) => i.id === 'testing' && i.status === 'answered') ? true : undefined,
    );
    const last = sent('coverage').at(-1)?.message as {
      current: string;
      items: {
        id: string;
        askedSegmentId?: string;
        evidence: { segmentId: string }[];
        candidateSeconds: number;
      }[];
    };
    expect(last.current).toBe('testing');
    const testing = last.items.find((i) => i.id === 'testing');
    expect(testing).toMatchObject({ askedSegmentId: 'seg-i1', candidateSeconds: 4 });
    expect(testing?.evidence.map((e) => e.segmentId)).toEqual(['seg-c1']);
    // the report's plan section: notes with the statement and a scorecard draft without a score
    await ext.close();
    const report = await readPlanReport(opened.db, sessionId);
    expect(planReportSchema.parse(report)).toEqual(report);
    expect(report?.items.find((i) => i.id === 'testing')?.notes[0]).toMatchObject({
      segmentId: 'seg-c1',
      offsetSeconds: 3,
    });
    const quality = report?.scorecard.competencies.find((c) => c.competency === 'Code quality');
    expect(quality).toMatchObject({ score: null, items: ['testing'] });
    expect(quality?.observation).toMatch(/Asked 1 of 1 planned question; the candidate spoke 4 s/);
    expect(report?.notAsked).toEqual(['warmup-background', 'coding-duplicates', 'complexity', 'api-errors']);
    expect(sessionReportSchema.shape.plan.parse(report)).toBeTruthy();
  });

  it('takes a plan edit from an interviewer, refuses one from the candidate, and picks up API edits', async () => {
    await until('plan sent', () => sent('plan')[0]);
    const edited = { ...plan, durationMinutes: 20 };
    const msg = JSON.stringify({ v: PROTOCOL_VERSION, type: 'plan-update', plan: edited });
    bus.emit({
      type: 'client-message',
      message: { message: JSON.parse(msg), sender: { identity: 'candidate-1', role: 'candidate' } },
    });
    bus.emit({
      type: 'client-message',
      message: { message: JSON.parse(msg), sender: { identity: 'interviewer-1', role: 'interviewer' } },
    });
    const update = await until('edited plan sent', () => sent('plan').find((m) => m.message.revision === 2));
    expect(update.message).toMatchObject({ updatedBy: 'interviewer-1', plan: { durationMinutes: 20 } });
    expect(sent('plan').some((m) => m.message.updatedBy === 'candidate-1')).toBe(false);
    expect((await new PlanStore(opened.db).getPlan(sessionId))?.updatedBy).toBe('interviewer-1');
    // an edit through the API (another process writes the table)
    await new PlanStore(opened.db).setPlan(sessionId, { ...plan, durationMinutes: 25 }, 'api');
    const api = await until('API edit sent', () => sent('plan').find((m) => m.message.revision === 3));
    expect(api.message).toMatchObject({ updatedBy: 'api', plan: { durationMinutes: 25 } });
  });

  it('signals when the time left cannot cover the items left', async () => {
    const tiny = {
      durationMinutes: 1,
      items: [
        { id: 'a', competency: 'X', question: 'Tell me about caching?', keywords: ['caching'], minutes: 0.5 },
        { id: 'b', competency: 'X', question: 'Tell me about queues?', keywords: ['queues'], minutes: 0.5 },
      ],
    };
    await new PlanStore(opened.db).setPlan(sessionId, tiny, 'api');
    await until('tiny plan', () => sent('plan').find((m) => m.message.revision === 2));
    // started 40 s ago: 20 s left, 60 s planned for the two items → short
    bus.emit({
      type: 'speech-start',
      speaker: { identity: 'x', role: 'interviewer', trackSid: 't' },
      at: Date.now() - 40_000,
    });
    const short = await until('plan-coverage signal', () => signals.find((s) => s.kind === 'plan-coverage'));
    expect(short.values).toMatchObject({ itemsTotal: 2, itemsLeft: 2, timeShort: true, notAsked: 'a,b' });
  });

  it('refuses a plan edit sent by the candidate at the inbox (logged, never applied)', async () => {
    const rejected: Rejection[] = [];
    const accepted: InboxMessage[] = [];
    const inbox = new ClientInbox(room as unknown as Room, {
      onMessage: (m) => {
        accepted.push(m);
      },
      onReject: (r) => rejected.push(r),
    });
    inbox.start();
    const edit = JSON.stringify({
      v: PROTOCOL_VERSION,
      type: 'plan-update',
      plan: { ...plan, durationMinutes: 5 },
    });
    room.sendPacket('candidate-1', edit);
    room.sendPacket('interviewer-1', edit);
    await until('interviewer edit accepted', () => accepted[0]);
    expect(rejected).toEqual([
      { sender: 'candidate-1', code: 'forbidden', detail: 'plan-update messages are for interviewers only' },
    ]);
    expect(accepted.map((m) => m.sender.identity)).toEqual(['interviewer-1']);
    inbox.stop();
  });
});

describe('PlanExtension while the database is down', () => {
  it("keeps an interviewer's plan edit on the session's write path and stores it when the database is back", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ih-plan-outage-'));
    let server: PgliteServer | undefined = await startPgliteServer({ dataDir, port: 0 });
    const port = server.port;
    const opened = await openDatabase({ url: server.url, migrate: false, connectTimeoutSeconds: 2 });
    const writes = new WriteBuffer(opened.db, { retryMinMs: 20, retryMaxMs: 200 });
    const room = new FakeRoom();
    const ext = new PlanExtension({ tickMs: 50, pollMs: 100 });
    try {
      const sessionId = await plannedSession(opened.db, 'room-plan-outage');
      room.join('interviewer-1', 'interviewer');
      const ctx = contextFor(sessionId, { room, database: opened.db, writes });
      const { bus } = ctx;
      await ext.start(ctx);
      const plans = () => room.agentMessages().filter((m) => m.message.type === 'plan');
      await until('plan sent', () => plans()[0]);

      await server.stop();
      server = undefined;
      const edited = { ...plan, durationMinutes: 20 };
      bus.emit({
        type: 'client-message',
        message: {
          message: { v: PROTOCOL_VERSION, type: 'plan-update', plan: edited },
          sender: { identity: 'interviewer-1', role: 'interviewer' },
        },
      });
      // the interviewers get the edit at once; storing it waits for the database
      const sent = await until('edited plan sent', () => plans().find((m) => m.message.revision === 2));
      expect(sent.message).toMatchObject({ updatedBy: 'interviewer-1', plan: { durationMinutes: 20 } });
      await until('the edit to wait for the database', () => writes.status().failedAttempts > 0);
      expect(writes.status().pendingRows).toBeGreaterThan(0);

      server = await startPgliteServer({ dataDir, port, migrate: false });
      expect(await writes.drain(60_000)).toBe(true);
      const stored = await new PlanStore(opened.db).getPlan(sessionId);
      expect(stored).toMatchObject({
        revision: 2,
        updatedBy: 'interviewer-1',
        plan: { durationMinutes: 20 },
      });
      expect(writes.status().rejectedRows).toBe(0);
      // the stored revision is the one the interviewers have, and no stale plan was read back meanwhile
      const all = plans().map((m) => m.message as { revision: number; plan: { durationMinutes: number } });
      const after = all.slice(all.findIndex((m) => m.revision === 2));
      expect(after.every((m) => m.revision === 2 && m.plan.durationMinutes === 20)).toBe(true);
    } finally {
      await ext.close();
      await writes.close(1000);
      await opened.close();
      await server?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
