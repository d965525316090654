import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, MIGRATION_LOCK_KEY, MIGRATIONS_FOLDER, openDatabase } from './database.js';
import { StorageError } from './errors.js';
import { hashInvite } from './invites.js';
import { InterviewStore } from './store.js';
import { createTemporaryDatabase, rowsOf, type TemporaryDatabase, testPostgresUrl } from './testing.js';

const TABLES = [
  'audit_events',
  'conduct_notes',
  'consent_events',
  'deletion_receipts',
  'hints',
  'participants',
  'session_plans',
  'session_reports',
  'sessions',
  'signals',
  'transcript_segments',
];
/** Migrations drizzle-kit generated (one journal entry each). */
const MIGRATIONS = (
  JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }
).entries.length;

async function tableNames(db: Database): Promise<string[]> {
  const rows = await rowsOf<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
  );
  return rows.map((r) => r.table_name);
}

async function appliedMigrations(db: Database): Promise<number> {
  const rows = await rowsOf<{ n: number }>(
    db,
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  return Number(rows[0]?.n);
}

describe('openDatabase with PGlite', () => {
  it('migrates an in-memory database', async () => {
    const opened = await openDatabase();
    try {
      expect(opened.kind).toBe('pglite');
      expect(await tableNames(opened.db)).toEqual(TABLES);
      expect(await appliedMigrations(opened.db)).toBe(MIGRATIONS);
    } finally {
      await opened.close();
    }
  });

  it('keeps data in a data directory and does not re-apply migrations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ih-pglite-'));
    try {
      const first = await openDatabase({ dataDir: dir });
      const session = await new InterviewStore(first.db).createSession({
        roomName: 'interview-persisted',
        candidateInviteHash: hashInvite('a'),
        interviewerInviteHash: hashInvite('b'),
      });
      await first.close();
      const second = await openDatabase({ dataDir: dir });
      try {
        expect(await appliedMigrations(second.db)).toBe(MIGRATIONS);
        expect((await new InterviewStore(second.db).getSession(session.id))?.roomName).toBe(
          'interview-persisted',
        );
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const pg = testPostgresUrl();

describe.runIf('url' in pg)('openDatabase with PostgreSQL', () => {
  const adminUrl = 'url' in pg ? pg.url : '';
  let temp: TemporaryDatabase;

  beforeAll(async () => {
    temp = await createTemporaryDatabase(adminUrl);
  });
  afterAll(() => temp?.drop());

  it('applies migrations once when several processes open at the same time', async () => {
    const opens = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ url: temp.url })));
    try {
      for (const o of opens) expect(o.kind).toBe('postgres');
      const first = opens[0];
      if (!first) throw new Error('no database');
      expect(await tableNames(first.db)).toEqual(TABLES);
      expect(await appliedMigrations(first.db)).toBe(MIGRATIONS);
      const held = await rowsOf<{ n: number }>(
        first.db,
        sql`select count(*)::int as n from pg_locks where locktype = 'advisory'`,
      );
      expect(Number(held[0]?.n)).toBe(0);
    } finally {
      await Promise.all(opens.map((o) => o.close()));
    }
  });

  it('gives up with a clear error when another process holds the migration lock too long', async () => {
    const holder = postgres(temp.url, { max: 1 });
    try {
      await holder`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
      const started = Date.now();
      const err = await openDatabase({ url: temp.url, migrationLockTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe('unavailable');
      expect((err as StorageError).message).toMatch(/migrations/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await holder.end();
    }
  });
});

describe('openDatabase failures', () => {
  it('reports an unreachable server without leaking credentials', async () => {
    const err = await openDatabase({
      url: 'postgres://someone:s3cret-pass@127.0.0.1:9/nowhere',
      connectTimeoutSeconds: 2,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('unavailable');
    expect((err as StorageError).message).toContain('127.0.0.1:9/nowhere');
    expect((err as StorageError).message).not.toContain('s3cret');
  });

  it('requires TEST_DATABASE_URL under CI', () => {
    if ('missing' in pg) {
      if (pg.required) throw new Error(pg.missing);
      console.warn(pg.missing);
    }
  });
});
