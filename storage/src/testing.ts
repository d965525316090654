import { randomBytes } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type Database, describeUrl, type OpenedDatabase, openDatabase } from './database.js';
import { sqlState } from './errors.js';

/** Forced drops tried while an autovacuum worker holds the database (250 ms, 500 ms, … apart: ~11 s in all). */
const DROP_ATTEMPTS = 10;

/** A database created for one test run, and how to drop it. */
export interface TemporaryDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database next to the one `adminUrl` points at (the role needs CREATEDB), so test runs
 * never see each other's tables.
 */
export async function createTemporaryDatabase(
  adminUrl: string,
  prefix = 'ih_test',
): Promise<TemporaryDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (err) {
    if (sqlState(err) === '42501') {
      const role = decodeURIComponent(new URL(adminUrl).username) || 'the role';
      throw new Error(
        `storage tests create a database per run: grant it with ALTER ROLE "${role}" CREATEDB (${describeUrl(adminUrl)})`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const sql = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
      try {
        // An autovacuum worker in the database belongs to no role, so a role without pg_signal_backend may not end
        // it and the forced drop fails (42501) while it runs: it finishes within moments, so try again.
        for (let attempt = 1; ; attempt++) {
          try {
            await sql.unsafe(`drop database if exists "${name}" with (force)`);
            return;
          } catch (err) {
            if (sqlState(err) !== '42501' || attempt >= DROP_ATTEMPTS) throw err;
            await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
          }
        }
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}

/**
 * The real Postgres used by storage tests: `TEST_DATABASE_URL`. Returns `{ url }`, or `{ missing }` with a
 * message; under `CI=true` a missing URL is an error the caller must turn into a failing test.
 */
export function testPostgresUrl(): { url: string } | { missing: string; required: boolean } {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return { url };
  const required = process.env.CI === 'true';
  return {
    required,
    missing:
      'TEST_DATABASE_URL is not set: Postgres storage tests ' +
      (required
        ? 'are required under CI=true'
        : 'are skipped (e.g. pg_ctlcluster 15 main start; TEST_DATABASE_URL=postgres://ih:ih@127.0.0.1:5432/ih_test)'),
  };
}

/** A database a test suite runs against; `cleanup` closes it and drops what was created. */
export interface StorageTarget {
  name: 'pglite' | 'postgres';
  open(): Promise<{ opened: OpenedDatabase; url?: string; cleanup(): Promise<void> }>;
}

/** In-memory PGlite, plus a fresh database on `TEST_DATABASE_URL` when it is set. */
export function storageTargets(): StorageTarget[] {
  const pg = testPostgresUrl();
  const targets: StorageTarget[] = [
    {
      name: 'pglite',
      async open() {
        const opened = await openDatabase();
        return { opened, cleanup: () => opened.close() };
      },
    },
  ];
  if ('url' in pg) {
    targets.push({
      name: 'postgres',
      async open() {
        const temp = await createTemporaryDatabase(pg.url);
        const opened = await openDatabase({ url: temp.url });
        return {
          opened,
          url: temp.url,
          async cleanup() {
            await opened.close();
            await temp.drop();
          },
        };
      },
    });
  }
  return targets;
}

/** Rows of a raw query from either driver (postgres.js returns an array, PGlite `{ rows }`). */
export async function rowsOf<T>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Rows per table (every table of the database) whose text, any column, contains `needle`. */
export async function rowsMentioning(db: Database, needle: string): Promise<Record<string, number>> {
  const tables = await rowsOf<{ name: string }>(
    db,
    sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const found: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await rowsOf<{ n: number }>(
      db,
      sql`select count(*)::int as n from ${sql.identifier(name)} t where t::text like ${`%${needle}%`}`,
    );
    if (row && row.n > 0) found[name] = row.n;
  }
  return found;
}
