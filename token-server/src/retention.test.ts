import { hashInvite, InterviewStore, type OpenedDatabase, openDatabase } from '@interview-helper/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataServices } from './data-routes.js';
import { loadRetentionConfig, RetentionJob, startRetention } from './retention.js';
import type { RoomCloser } from './rooms.js';
import { capturingLogger, config } from './test-support.js';

const DAY = 86_400_000;

describe('RetentionJob', () => {
  let database: OpenedDatabase;
  let store: InterviewStore;
  let now: Date;
  const closed: string[] = [];
  const rooms: RoomCloser = {
    close: async (roomName) => {
      closed.push(roomName);
      return 'not-open';
    },
  };

  beforeAll(async () => {
    database = await openDatabase();
    store = new InterviewStore(database.db);
  });
  afterAll(() => database?.close());

  const sessionAged = (days: number, tag: string) =>
    store.createSession({
      roomName: `interview-${tag}-${Math.random().toString(36).slice(2)}`,
      candidateInviteHash: hashInvite(`c-${tag}`),
      interviewerInviteHash: hashInvite(`i-${tag}`),
      createdAt: now.getTime() - days * DAY,
    });

  it('deletes sessions older than the period, each with a receipt, and keeps the rest', async () => {
    now = new Date(Date.UTC(2026, 11, 1));
    const clock = () => now;
    const data = dataServices(database.db, config, { rooms, clock });
    const logger = capturingLogger();
    const job = new RetentionJob({ ...data, days: 30, clock, logger, batchSize: 2 });
    const first = await sessionAged(31, 'a');
    const aged = [first, await sessionAged(45, 'b'), await sessionAged(400, 'c')];
    const young = await sessionAged(29, 'd');
    await store.recordJoin({
      sessionId: first.id,
      identity: 'cand',
      role: 'candidate',
      at: now.getTime() - 31 * DAY,
    });

    const receipts = await job.runOnce();
    expect(receipts.map((r) => r.sessionId).sort()).toEqual(aged.map((s) => s.id).sort());
    for (const r of receipts) {
      expect(r).toMatchObject({
        reason: 'retention',
        requestedBy: 'retention',
        room: 'not-open',
        deletedAt: now,
      });
      expect(r.rows.sessions).toBe(1);
    }
    expect(receipts.find((r) => r.sessionId === first.id)?.rows.participants).toBe(1);
    expect(closed).toEqual(expect.arrayContaining(aged.map((s) => s.roomName)));
    for (const s of aged) expect(await store.getSession(s.id)).toBeUndefined();
    expect(await store.getSession(young.id)).toBeDefined();
    expect(logger.lines.join('\n')).toContain('retention: deleted 3 session(s)');

    // Nothing more to do until the young session ages past the period (an injected clock, not a wait).
    expect(await job.runOnce()).toEqual([]);
    now = new Date(now.getTime() + 2 * DAY);
    const later = await job.runOnce();
    expect(later.map((r) => r.sessionId)).toEqual([young.id]);
    expect(await data.deletion.getReceipt(young.id)).toEqual(later[0]);
  });

  it('reads RETENTION_DAYS and RETENTION_INTERVAL_MINUTES, and starts only when a period is set', async () => {
    expect(loadRetentionConfig({})).toEqual({ days: undefined, intervalMs: 3_600_000 });
    expect(loadRetentionConfig({ RETENTION_DAYS: '30', RETENTION_INTERVAL_MINUTES: '5' })).toEqual({
      days: 30,
      intervalMs: 300_000,
    });
    expect(loadRetentionConfig({ RETENTION_DAYS: ' ' }).days).toBeUndefined();
    for (const bad of [{ RETENTION_DAYS: '0' }, { RETENTION_DAYS: '1.5' }, { RETENTION_DAYS: 'x' }]) {
      expect(() => loadRetentionConfig(bad)).toThrow(/RETENTION_DAYS/);
    }
    const data = dataServices(database.db, config, { rooms });
    const logger = capturingLogger();
    expect(startRetention(data, {}, logger)).toBeUndefined();
    expect(logger.lines.join('\n')).toContain('RETENTION_DAYS is unset');
    const job = startRetention(data, { RETENTION_DAYS: '3650' }, logger);
    expect(job).toBeInstanceOf(RetentionJob);
    await job?.stop();
    expect(() => new RetentionJob({ ...data, days: 0 })).toThrow();
  });
});
