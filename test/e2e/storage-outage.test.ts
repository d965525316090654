import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HintMessage, SignalMessage, StatsMessage } from '@interview-helper/protocol';
import { type OpenedDatabase, openDatabase } from '@interview-helper/storage';
import { rowsOf } from '@interview-helper/storage/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signalsOf, waitFor } from './clients/participant.js';
import { startInterview, until as untilAsync, waitForAnalysis } from './harness/interview.js';
import { type OwnPostgres, startOwnPostgres } from './harness/postgres.js';
import { artifactsDir } from './harness/processes.js';
import { type Stack, startStack } from './harness/stack.js';

/** How long the database is down, mid-interview. */
const OUTAGE_MS = 60_000;
/** A small buffer, so that the outage fills it and the spill files and the `storage-degraded` episode are used. */
const BUFFER_ROWS = 50;

const signalsIn = (msgs: readonly unknown[]) =>
  msgs.filter((m): m is SignalMessage => (m as { type?: string }).type === 'signal');
const hintsIn = (msgs: readonly unknown[]) =>
  msgs.filter((m): m is HintMessage => (m as { type?: string }).type === 'hint');
const statsIn = (msgs: readonly unknown[]) =>
  msgs.filter((m): m is StatsMessage => (m as { type?: string }).type === 'stats');

/** Polls an async condition every 500 ms (the database may refuse while it restarts) until it gives a value. */
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number) =>
  untilAsync(what, check, timeoutMs, { intervalMs: 500, retryErrors: true });

describe('storage outage: PostgreSQL stopped for 60 s mid-interview', () => {
  let pg: OwnPostgres;
  let stack: Stack;
  let db: OpenedDatabase | undefined;
  let spillDir: string;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    spillDir = mkdtempSync(join(tmpdir(), 'ih-e2e-spill-'));
    stack = await startStack({
      databaseUrl: pg.url,
      agentEnv: {
        STORAGE_BUFFER_ROWS: String(BUFFER_ROWS),
        STORAGE_SPILL_DIR: spillDir,
        // a long pause after each answer gives a hint: hints go on during the outage
        HINTS_TRIGGERS: JSON.stringify({ 'long-pause': { minSeconds: 3 }, 'answer-end': { enabled: false } }),
        HINTS_MIN_INTERVAL_MS: '1000',
      },
    });
  }, 240_000);
  afterAll(async () => {
    await db?.close();
    await stack?.stop();
    await pg?.remove();
    if (spillDir) rmSync(spillDir, { recursive: true, force: true });
  });

  it('loses no row: what interviewers saw during the outage is in the database afterwards, in order', async () => {
    const interview = await startInterview(stack, {
      camera: { fps: 10 },
      talk: { speechMs: 4000, pauseMs: 5000 },
    });
    const { created, interviewer } = interview;
    const sessionId = created.session.id;
    try {
      await waitForAnalysis(stack, interview, 120_000);
      await waitFor('a first hint', () => hintsIn(interviewer.messages)[0], 60_000);
      db = await openDatabase({ url: pg.url, migrate: false, maxConnections: 1 });
      const reader = db.db;
      const count = async (table: 'signals' | 'hints') =>
        (
          await rowsOf<{ n: number }>(
            reader,
            sql`select count(*)::int as n from ${sql.identifier(table)} where session_id = ${sessionId}`,
          )
        )[0]?.n ?? 0;
      await until(
        'signals stored before the outage',
        async () => ((await count('signals')) > 0 ? true : undefined),
        30_000,
      );

      // ---- the outage: PostgreSQL stops while media flows -----------------------------------------------------
      await db.close();
      db = undefined;
      const before = interviewer.messages.length;
      const outageFrom = Date.now();
      await pg.stop();
      const degraded = await waitFor(
        'the storage-degraded episode',
        () => signalsOf(interviewer, 'storage-degraded').find((s) => s.values.phase === 'start'),
        OUTAGE_MS,
      );
      const remaining = outageFrom + OUTAGE_MS - Date.now();
      if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
      const during = interviewer.messages.slice(before);
      await pg.start();
      const outageMs = Date.now() - outageFrom;

      // analysis and hints went on while the database was down, and interviewers were told
      const outageSignals = signalsIn(during);
      const outageHints = hintsIn(during);
      expect(outageSignals.length).toBeGreaterThan(0);
      expect(outageHints.length).toBeGreaterThan(0);
      const outageStats = statsIn(during).map((s) => s.storage);
      expect(outageStats.some((s) => s?.state === 'full' && s.spilledRows > 0)).toBe(true);
      expect(degraded.values).toMatchObject({ maxRows: BUFFER_ROWS, droppedRows: 0 });

      // ---- recovery: the agent flushes in order; interviewers see the write path back to normal ---------------
      const recovered = await waitFor(
        'the agent to report every buffered row written',
        () =>
          statsIn(interviewer.messages.slice(before + during.length))
            .map((s) => s.storage)
            .find(
              (s) => s?.state === 'ok' && s.lastRecovery !== undefined && s.lastRecovery.rows > BUFFER_ROWS,
            ),
        180_000,
      );
      expect(recovered.droppedRows).toBe(0);
      expect(recovered.rejectedRows).toBe(0);
      await waitFor(
        'the end of the storage-degraded episode',
        () =>
          signalsOf(interviewer, 'storage-degraded').find(
            (s) => s.values.phase === 'end' && s.values.episodeId === degraded.values.episodeId,
          ),
        60_000,
      );

      // ---- every row interviewers saw (before, during and just after the outage) is stored, in order -----------
      const seen = interviewer.messages.slice();
      const seenSignals = signalsIn(seen);
      const seenHints = hintsIn(seen);
      db = await openDatabase({ url: pg.url, migrate: false, maxConnections: 1 });
      const check = db.db;
      const stored = await until(
        'every signal and hint interviewers saw to be stored',
        async () => {
          const signals = await rowsOf<{ id: string; created_at: string | Date }>(
            check,
            sql`select id, created_at from signals where session_id = ${sessionId}`,
          );
          const hints = await rowsOf<{ id: string; recipients: string[]; published_at: unknown }>(
            check,
            sql`select id, recipients, published_at from hints where session_id = ${sessionId}`,
          );
          const signalIds = new Set(signals.map((r) => r.id));
          const hintIds = new Set(hints.map((r) => r.id));
          const missing = [
            ...seenSignals.filter((s) => !signalIds.has(s.id)).map((s) => s.id),
            ...seenHints.filter((h) => !hintIds.has(h.id)).map((h) => h.id),
          ];
          return missing.length === 0 ? { signals, hints } : undefined;
        },
        60_000,
      ).catch(async (err: unknown) => {
        throw new Error(`${(err as Error).message} (rows lost)`);
      });
      const createdAt = new Map(stored.signals.map((r) => [r.id, new Date(r.created_at).getTime()]));
      // In order: signals were written in the order they were made (= the order interviewers got them).
      const times = outageSignals.map((s) => createdAt.get(s.id) as number);
      const outOfOrder = times.filter((t, i) => i > 0 && t < (times[i - 1] as number)).length;
      expect(outOfOrder).toBe(0);
      // the hints of the outage were stored with their delivery (recipients, time sent)
      const hintRows = new Map(stored.hints.map((h) => [h.id, h]));
      for (const h of outageHints) {
        expect(hintRows.get(h.id)?.recipients).toContain(interviewer.identity);
        expect(hintRows.get(h.id)?.published_at).not.toBeNull();
      }
      expect(readdirSync(join(spillDir, sessionId))).toEqual([]);

      const figures = {
        outageMs,
        signalsDuringOutage: outageSignals.length,
        hintsDuringOutage: outageHints.length,
        rowsBuffered: recovered.lastRecovery?.rows,
        maxPendingRowsSeen: Math.max(...outageStats.map((s) => s?.pendingRows ?? 0)),
        maxSpilledRowsSeen: Math.max(...outageStats.map((s) => s?.spilledRows ?? 0)),
        agentOutageMs: recovered.lastRecovery?.outageMs,
        flushMs: recovered.lastRecovery?.flushMs,
        rowsLost: 0,
        rowsDropped: recovered.droppedRows,
        signalsSeen: seenSignals.length,
        hintsSeen: seenHints.length,
      };
      console.log(`[measure] storage outage ${JSON.stringify(figures)}`);
      mkdirSync(artifactsDir(), { recursive: true });
      writeFileSync(join(artifactsDir(), 'storage-outage.json'), `${JSON.stringify(figures, null, 2)}\n`);
    } finally {
      await interview.end();
    }
  }, 600_000);
});
