import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Database, openDatabase } from './database.js';
import { WriteBuffer, type WriteBufferLog } from './write-buffer.js';

/** What {@link flushSpill} wrote from one session's spill directory. */
export interface FlushedSpill {
  dir: string;
  appliedRows: number;
  rejectedRows: number;
  /** Rows still waiting (the database went away again before `timeoutMs`). */
  leftRows: number;
}

/**
 * Writes the records sessions left in `spillDir` (one sub-directory per session, as the agent keeps them when a
 * session ends while the database is down), in order, and removes the emptied directories.
 */
export async function flushSpill(
  db: Database,
  spillDir: string,
  opts: { timeoutMs?: number; log?: WriteBufferLog } = {},
): Promise<FlushedSpill[]> {
  if (!existsSync(spillDir)) return [];
  const out: FlushedSpill[] = [];
  for (const name of readdirSync(spillDir).sort()) {
    const dir = join(spillDir, name);
    if (!statSync(dir).isDirectory()) continue;
    const buffer = new WriteBuffer(db, { spillDir: dir, ...(opts.log ? { log: opts.log } : {}) });
    await buffer.drain(opts.timeoutMs ?? 60_000);
    const leftRows = await buffer.close(0);
    const s = buffer.status();
    out.push({ dir, appliedRows: s.appliedRows, rejectedRows: s.rejectedRows, leftRows });
    if (leftRows === 0 && readdirSync(dir).length === 0) rmdirSync(dir);
  }
  return out;
}

/** `npm run storage:flush -w storage [-- <dir>]`: flushes `STORAGE_SPILL_DIR` (or `<dir>`) into `DATABASE_URL`. */
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const dir = process.argv[2] ?? process.env.STORAGE_SPILL_DIR ?? '.data/spill';
  const opened = await openDatabase({ url, migrate: false });
  try {
    for (const r of await flushSpill(opened.db, dir)) console.log(JSON.stringify(r));
  } finally {
    await opened.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
