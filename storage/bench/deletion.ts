/**
 * Deletion benchmark (JSON to stdout and bench-results/deletion.json): how long `SessionDeletion.deleteSession`
 * takes for a session with 1 000 and 20 000 signals (an hour of an interview stores a few thousand), on an
 * in-memory PGlite and, when TEST_DATABASE_URL is set, on a fresh PostgreSQL database. Median of 3 per size.
 *
 *   npm run bench:deletion -w storage
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Database, openDatabase } from '../src/database.js';
import { SessionDeletion } from '../src/deletion.js';
import { hashInvite } from '../src/invites.js';
import { InterviewStore } from '../src/store.js';
import { createTemporaryDatabase, testPostgresUrl } from '../src/testing.js';

const SIZES = [1000, 20_000];
const RUNS = 3;

async function measure(db: Database, signals: number): Promise<number> {
  const store = new InterviewStore(db);
  const session = await store.createSession({
    roomName: `bench-${randomUUID()}`,
    candidateInviteHash: hashInvite('c'),
    interviewerInviteHash: hashInvite('i'),
  });
  for (let i = 0; i < signals; i += 1000) {
    await store.insertSignals(
      Array.from({ length: Math.min(1000, signals - i) }, (_, j) => ({
        id: `sig-${randomUUID()}`,
        sessionId: session.id,
        analyser: 'audio-level',
        kind: 'audio-level',
        media: 'audio' as const,
        range: { start: 1e12 + (i + j) * 2000, end: 1e12 + (i + j) * 2000 + 2000 },
        values: { rmsDbfs: -23, peakDbfs: -6 },
        confidence: 1,
        summary: 'level',
      })),
    );
  }
  const started = performance.now();
  const result = await new SessionDeletion(db).deleteSession(session.id, {
    requestedBy: 'bench',
    reason: 'request',
  });
  const ms = performance.now() - started;
  if (result.status !== 'deleted' || result.receipt.rows.signals !== signals)
    throw new Error('deletion incomplete');
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function target(name: string, db: Database) {
  const rows: { database: string; signals: number; medianMs: number; runsMs: number[] }[] = [];
  for (const signals of SIZES) {
    const runsMs: number[] = [];
    for (let r = 0; r < RUNS; r++) runsMs.push(Math.round(await measure(db, signals)));
    rows.push({ database: name, signals, medianMs: median(runsMs), runsMs });
  }
  return rows;
}

const results = [];
const pglite = await openDatabase();
try {
  results.push(...(await target('pglite', pglite.db)));
} finally {
  await pglite.close();
}
const pg = testPostgresUrl();
if ('url' in pg) {
  const temp = await createTemporaryDatabase(pg.url, 'ih_bench');
  const opened = await openDatabase({ url: temp.url });
  try {
    results.push(...(await target('postgres', opened.db)));
  } finally {
    await opened.close();
    await temp.drop();
  }
} else {
  console.error(pg.missing);
}
const out = resolve(import.meta.dirname, '../../bench-results');
mkdirSync(out, { recursive: true });
const json = JSON.stringify({ bench: 'deletion', at: new Date().toISOString(), results }, null, 2);
writeFileSync(resolve(out, 'deletion.json'), `${json}\n`);
console.log(json);
