import { is, sql } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import * as schema from './schema.js';
import { RETAINED_TABLES, SESSION_TABLES } from './session-tables.js';
import { rowsOf, storageTargets } from './testing.js';

const listed = new Set([...SESSION_TABLES.map((t) => t.name), ...RETAINED_TABLES]);

describe('SESSION_TABLES (what deletion and the candidate export walk)', () => {
  it('lists every schema table with a session_id column, except the deletion receipts', () => {
    const withSessionId = (Object.values(schema) as unknown[])
      .filter((value): value is PgTable => is(value, PgTable))
      .map((table) => getTableConfig(table))
      .filter((config) => config.columns.some((c) => c.name === 'session_id'))
      .map((config) => config.name);
    expect(withSessionId.length).toBeGreaterThanOrEqual(SESSION_TABLES.length);
    const missing = withSessionId.filter((name) => !listed.has(name));
    // A table holding session data must be added to SESSION_TABLES (storage/src/session-tables.ts), or a
    // deleted session would leave its rows behind there.
    expect(missing, 'tables with session_id missing from SESSION_TABLES').toEqual([]);
  });

  it('lists each table once, with its own session_id column, and never the sessions table', () => {
    const names = SESSION_TABLES.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain('sessions');
    for (const t of SESSION_TABLES) {
      expect(t.session.name).toBe('session_id');
      expect(getTableConfig(t.table).columns).toContain(t.session);
      if (t.identity) expect(getTableConfig(t.table).columns).toContain(t.identity);
    }
  });
});

describe.each(storageTargets())('SESSION_TABLES against the migrated database on $name', (target) => {
  let db: Database;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const { opened, cleanup: c } = await target.open();
    db = opened.db;
    cleanup = c;
  });
  afterAll(() => cleanup?.());

  it('every table with a session_id column in the database is listed', async () => {
    const tables = await rowsOf<{ table_name: string }>(db, sqlTablesWithSessionId());
    const names = tables.map((t) => t.table_name);
    expect(names).toContain('signals');
    expect(
      names.filter((n) => !listed.has(n)),
      'tables with session_id missing from SESSION_TABLES',
    ).toEqual([]);
  });

  it('every listed table refers to sessions(id), so a late write for a deleted session fails', async () => {
    const refs = await rowsOf<{ table_name: string }>(db, sqlForeignKeysToSessions());
    const referencing = new Set(refs.map((r) => r.table_name));
    const loose = SESSION_TABLES.map((t) => t.name).filter((n) => !referencing.has(n));
    expect(loose, 'session tables without a foreign key on session_id to sessions(id)').toEqual([]);
  });
});

function sqlTablesWithSessionId() {
  return sql`select table_name from information_schema.columns
    where table_schema = 'public' and column_name = 'session_id' order by table_name`;
}

function sqlForeignKeysToSessions() {
  return sql`select cl.relname as table_name
    from pg_constraint c
    join pg_class cl on cl.oid = c.conrelid
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
    where c.contype = 'f' and c.confrelid = 'public.sessions'::regclass and a.attname = 'session_id'`;
}
