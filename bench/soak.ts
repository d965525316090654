/**
 * Soak benchmark: R rooms at once against one agent worker for M minutes each, every room one replay scenario
 * played back to back in the same interview (bench/soak-scenario.ts). Reports each process's RSS growth over the
 * steady part of the run (start vs end, %) and what was lost: expected events missed, and signals, hints and final
 * transcript segments received by the interviewer but not stored, or stored as delivered but never received. A
 * final segment is due to the interviewer only if it became final with text before the client left; later ones
 * and failed ones are counted apart (`finalizedAfterClientLeft`, `failedNotReceived`).
 *
 *   npm run bench:soak                                 (8 rooms × 10 min, local speech-to-text)
 *   npm run bench:soak -- --rooms 2 --minutes 2 [--no-stt] [--warmup-s 90] [scenario dir...]
 *   SOAK_ROOMS=2 SOAK_MINUTES=2 npm run bench:soak
 *
 * Writes bench-results/soak.json (`--out` to change). Not part of CI.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '@interview-helper/storage';
import { rowsOf } from '@interview-helper/storage/testing';
import { sql } from 'drizzle-orm';
import { defaultTalkTrackerOptions } from '../agent/src/conduct/talk-tracker.js';
import { defaultCadenceOptions } from '../agent/src/hints/cadence.js';
import { ROOT } from '../test/fixtures/paths.js';
import { clientBinary } from '../test/replay/client.js';
import type { ClientLine } from '../test/replay/match.js';
import { densityScenarios, stackSampler, startBenchStack } from './density.js';
import { cameraFps, playRooms, type RoomResult } from './density-rooms.js';
import { agentLogCounts } from './density-stats.js';
import { byRole } from './proc-sampler.js';
import { loopScenario } from './soak-scenario.js';
import {
  addReconciliations,
  addTranscriptReconciliations,
  type Reconciliation,
  receivedIds,
  reconcile,
  reconcileTranscripts,
  rssGrowth,
  type StoredSegment,
  segmentFinalAt,
  soakVerdict,
  type TranscriptReconciliation,
} from './soak-stats.js';

/** Expectations made once per session (a plan's coverage): they cannot repeat in a looped interview. */
const ONCE_PER_SESSION = new Set(['plan', 'coverage']);
/**
 * Seconds after the last room started before memory growth is measured: longer than the 65 s of recent audio each
 * microphone keeps (speech detector, live transcription), which fill in a room's first minute by design.
 */
const WARMUP_S = 90;
/**
 * Loops of a scenario with hints or conduct notes are further apart than the windows in which the agent does not
 * repeat them (see `loopScenario`).
 */
const REPEAT_PERIOD_MS =
  Math.max(defaultCadenceOptions.dedupeWindowMs, defaultTalkTrackerOptions.interruptionRepeatMs) + 2000;

type Db = Awaited<ReturnType<typeof openDatabase>>['db'];

/**
 * What the database kept of one session: signal ids, hints delivered to `interviewer`, final segments; and how
 * many rows are dated at or after `until` (segments by when they became final).
 */
async function storedIds(db: Db, sessionId: string, interviewer: string, until: number) {
  const signals = await rowsOf<Row>(
    db,
    sql`select id, created_at from signals where session_id = ${sessionId}`,
  );
  const hints = await rowsOf<Row & { recipients: string[] }>(
    db,
    sql`select id, created_at, recipients from hints where session_id = ${sessionId}`,
  );
  const segments = await rowsOf<StoredSegment>(
    db,
    sql`select id, status, created_at, finalized_at from transcript_segments where session_id = ${sessionId} and final = true`,
  );
  // rows written (segments: made final) after the client stopped listening could not have reached it
  const listened = (r: Row) => new Date(r.created_at).getTime() < until;
  const ids = (rows: Row[]) => new Set(rows.map((r) => r.id));
  const delivered = hints.filter((h) => (h.recipients ?? []).includes(interviewer));
  const rows = [...signals, ...hints];
  const late = rows.length - rows.filter(listened).length;
  return {
    all: { signals: ids(signals), hints: ids(delivered) },
    due: { signals: ids(signals.filter(listened)), hints: ids(delivered.filter(listened)) },
    segments,
    afterClientLeft: late + segments.filter((s) => segmentFinalAt(s) >= until).length,
  };
}

type Row = { id: string; created_at: string | Date };

async function reconcileRoom(db: Db, room: RoomResult) {
  if (!room.run || !room.sessionId) return undefined;
  const dir = room.run.artifacts;
  const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ClientLine);
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as {
    interviewer: { identity: string };
  };
  const got = receivedIds(lines);
  // the client's last line marks when it stopped listening; 1 s for what was still on its way
  const until = (lines.find((l) => l.event === 'end')?.at ?? Number.POSITIVE_INFINITY) - 1000;
  const kept = await storedIds(db, room.sessionId, plan.interviewer.identity, until);
  return {
    storedAfterClientLeft: kept.afterClientLeft,
    signals: reconcile(got.signals, kept.all.signals, kept.due.signals),
    hints: reconcile(got.hints, kept.all.hints, kept.due.hints),
    transcripts: reconcileTranscripts(got.transcripts, kept.segments, until),
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      rooms: { type: 'string', default: process.env.SOAK_ROOMS ?? '8' },
      minutes: { type: 'string', default: process.env.SOAK_MINUTES ?? '10' },
      'no-stt': { type: 'boolean', default: process.env.SOAK_STT === '0' },
      'warmup-s': { type: 'string', default: String(WARMUP_S) },
      'stagger-ms': { type: 'string', default: '2000' },
      'sample-ms': { type: 'string', default: '5000' },
      out: { type: 'string', default: join(ROOT, 'bench-results/soak.json') },
    },
  });
  const rooms = Number(values.rooms);
  const minutes = Number(values.minutes);
  if (!Number.isInteger(rooms) || rooms < 1) throw new Error(`--rooms must be a positive integer`);
  if (!(minutes > 0)) throw new Error(`--minutes must be positive`);
  const stt = !values['no-stt'];
  const bases = (await densityScenarios(positionals, stt)).filter(
    (s) => positionals.length || !s.expected.events.some((e) => ONCE_PER_SESSION.has(e.type)),
  );
  if (!bases.length) throw new Error('no scenario to play');
  // only the scenarios some room plays are built (room i plays scenario i mod count)
  const scenarios = bases.slice(0, rooms).map((b) =>
    loopScenario(b, {
      durationMs: minutes * 60_000,
      fps: cameraFps(b.video),
      repeatPeriodMs: REPEAT_PERIOD_MS,
    }),
  );
  clientBinary();
  console.log(
    `soak: ${rooms} rooms × ${minutes} min; STT ${stt ? 'local' : 'off'}; ${scenarios.map((s) => `${s.name} (${Math.round(s.mediaMs / 1000)} s)`).join(', ')}`,
  );
  const stack = await startBenchStack(rooms, stt);
  const sampler = stackSampler(stack, Number(values['sample-ms']));
  sampler.start();
  const load = [loadavg()];
  const from = Date.now();
  let results: RoomResult[];
  try {
    results = await playRooms({
      server: { url: stack.tokenServerUrl },
      scenarios,
      rooms,
      staggerMs: Number(values['stagger-ms']),
      batch: 900,
      onRoom: (r) =>
        console.log(
          `  room ${r.room} ${r.scenario}: late ${r.verdict.late}, missed ${r.verdict.missed}${r.verdict.error ? `, error: ${r.verdict.error.split('\n')[0]}` : ''}`,
        ),
    });
  } finally {
    sampler.sample();
    sampler.stop();
  }
  load.push(loadavg());
  const to = Date.now();
  const agentLog = agentLogCounts(stack.agent.output());
  // the steady part: from `warmup` after the last room started playing until the first room's media ended
  const t0s = results.flatMap((r) => (r.run ? [r.run.t0] : []));
  const mediaEnd = results.flatMap((r) => {
    const s = scenarios.find((x) => x.name === r.scenario);
    return r.run && s ? [r.run.t0 + s.mediaMs] : [];
  });
  const steadyFrom = Math.max(...t0s) + Number(values['warmup-s']) * 1000;
  const steadyTo = Math.min(...mediaEnd);
  // no steady part when no room played (or the warm-up outlasted the shortest room)
  const steady = t0s.length && steadyTo > steadyFrom;
  const growth = steady
    ? rssGrowth(sampler.tracks(), steadyFrom, steadyTo, Number(values['sample-ms']) * 2)
    : [];

  const opened = await openDatabase({ url: stack.databaseUrl, migrate: false });
  const perRoom: {
    room: number;
    storedAfterClientLeft: number;
    signals: Reconciliation;
    hints: Reconciliation;
    transcripts: TranscriptReconciliation;
  }[] = [];
  try {
    for (const r of results) {
      const rec = await reconcileRoom(opened.db, r);
      if (rec) perRoom.push({ room: r.room, ...rec });
    }
  } finally {
    await opened.close();
    await stack.stop();
  }
  const total = (k: 'signals' | 'hints') => addReconciliations(perRoom.map((p) => p[k]));
  const worst = growth.reduce<number | null>(
    (m, g) => (g.growthPercent === null ? m : Math.max(m ?? g.growthPercent, g.growthPercent)),
    null,
  );
  const expected = {
    events: results.reduce((a, r) => a + (r.run?.events.length ?? 0), 0),
    missed: results.reduce((a, r) => a + r.verdict.missed, 0),
    late: results.reduce((a, r) => a + r.verdict.late, 0),
    failedRooms: results.filter((r) => r.verdict.error).length,
  };
  const lost = {
    signals: total('signals'),
    hints: total('hints'),
    transcriptSegments: addTranscriptReconciliations(perRoom.map((p) => p.transcripts)),
  };
  const out = {
    benchmark: 'soak',
    at: new Date().toISOString(),
    machine: { cpus: 2 },
    rooms,
    minutes,
    stt: stt ? 'local' : 'off',
    scenarios: scenarios.map((s) => ({
      name: s.name,
      mediaMs: s.mediaMs,
      expected: s.expected.events.length,
    })),
    loadAverage: { start: load[0], end: load[1] },
    agentLog,
    steadySpanSeconds: steady ? Math.round((steadyTo - steadyFrom) / 1000) : null,
    rss: { worstGrowthPercent: worst, perProcess: growth },
    cpu: byRole(sampler.usage(from, to), (to - from) / 1000),
    verdict: soakVerdict({ worstGrowthPercent: worst, steady: Boolean(steady), ...expected, lost }),
    expected,
    lost,
    roomResults: results.map(({ run, ...r }) => ({
      ...r,
      reconciliation: perRoom.find((p) => p.room === r.room),
    })),
  };
  mkdirSync(dirname(resolve(values.out)), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(out, null, 2)}\n`);
  console.log(
    JSON.stringify(
      { verdict: out.verdict, rss: out.rss, expected, lost, loadAverage: out.loadAverage, agentLog },
      null,
      2,
    ),
  );
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
