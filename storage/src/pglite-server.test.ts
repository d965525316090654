import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, type OpenedDatabase, openDatabase } from './database.js';
import type { StorageError } from './errors.js';
import { hashInvite } from './invites.js';
import { type PgliteServer, startPgliteServer } from './pglite-server.js';
import { InterviewStore } from './store.js';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!address || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

describe('PGlite server', () => {
  let server: PgliteServer;
  let a: OpenedDatabase;
  let b: OpenedDatabase;

  beforeAll(async () => {
    server = await startPgliteServer({ port: 0, maxConnections: 16 });
    // Two pools stand for two processes (token server and an agent job): separate connections.
    [a, b] = await Promise.all([
      openDatabase({ url: server.url, maxConnections: 4 }),
      openDatabase({ url: server.url, maxConnections: 4 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
  });

  it('serves the migrated schema over the wire protocol', async () => {
    expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(a.kind).toBe('postgres');
    const rows = (await a.db.execute(
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    )) as unknown;
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8'));
    expect(rows).toEqual([{ n: (journal as { entries: unknown[] }).entries.length }]);
  });

  it('answers concurrent parameterised queries from two clients correctly', async () => {
    const stores = [new InterviewStore(a.db), new InterviewStore(b.db)];
    const sessions = await Promise.all(
      stores.map((s, i) =>
        s.createSession({
          roomName: `interview-${i}-${randomUUID()}`,
          candidateInviteHash: hashInvite(`c${i}`),
          interviewerInviteHash: hashInvite(`i${i}`),
        }),
      ),
    );
    const ops: Promise<unknown>[] = [];
    const failures: string[] = [];
    for (let n = 0; n < 60; n++) {
      stores.forEach((store, i) => {
        const sessionId = sessions[i]?.id ?? '';
        const check = (ok: boolean, what: string) => ok || failures.push(`${i}/${n}: ${what}`);
        // Queries of different shapes and parameter counts, plus failing statements, interleaved.
        ops.push(
          store
            .insertSignals([
              {
                id: `sig-${i}-${n}`,
                sessionId,
                analyser: `a${i}`,
                kind: 'k',
                media: 'audio',
                range: { start: n, end: n + 1 },
                values: { n },
                confidence: 0.5,
                summary: `s${n}`,
              },
            ])
            .then((count) => check(count === 1, `insert ${count}`)),
          store.getSession(sessionId).then((row) => check(row?.id === sessionId, 'getSession')),
          store
            .recordHintFeedback({ hintId: `missing-${n}`, useful: true, at: n })
            .then((ok) => check(ok === false, 'feedback')),
          store.recordJoin({ sessionId: 'missing', identity: 'x', role: 'candidate', at: n }).then(
            () => check(false, 'join should fail'),
            (err: unknown) => check((err as StorageError).code === 'session_not_found', String(err)),
          ),
        );
      });
    }
    await Promise.all(ops);
    expect(failures).toEqual([]);
    for (const [i, store] of stores.entries()) {
      const rows = await store.listSignals(sessions[i]?.id ?? '');
      expect(rows).toHaveLength(60);
      expect(new Set(rows.map((r) => r.analyser))).toEqual(new Set([`a${i}`]));
    }
  });

  it('lets a transaction finish before other clients run', async () => {
    const storeB = new InterviewStore(b.db);
    const roomName = `interview-tx-${randomUUID()}`;
    const order: string[] = [];
    const tx = a.db.transaction(async (t) => {
      await new InterviewStore(t).createSession({
        roomName,
        candidateInviteHash: hashInvite('c'),
        interviewerInviteHash: hashInvite('i'),
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      order.push('tx');
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const read = storeB.getSessionByRoom(roomName).then((row) => {
      order.push('read');
      return row;
    });
    await tx;
    expect((await read)?.roomName).toBe(roomName);
    expect(order).toEqual(['tx', 'read']);
  });

  it('rolls back the transaction of a client that disconnects inside it', async () => {
    const client = postgres(server.url, { max: 1, onnotice: () => {} });
    const reserved = await client.reserve();
    const roomName = `interview-abandoned-${randomUUID()}`;
    await reserved.unsafe('begin');
    await reserved`insert into sessions (id, room_name, candidate_invite_hash, interviewer_invite_hash)
                   values (${randomUUID()}, ${roomName}, 'x', 'y')`;
    await client.end({ timeout: 0 });
    const store = new InterviewStore(b.db);
    const row = await Promise.race([
      store.getSessionByRoom(roomName),
      new Promise((_, reject) => setTimeout(() => reject(new Error('backend still held')), 5000)),
    ]);
    expect(row).toBeUndefined();
  });

  it('refuses connections over the limit with a Postgres error', async () => {
    const small = await startPgliteServer({ port: 0, maxConnections: 1, migrate: false });
    const first = postgres(small.url, { max: 1 });
    const second = postgres(small.url, { max: 1 });
    try {
      await first`select 1`;
      const err = await second`select 1`.catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('53300');
      await first.end();
      await expect.poll(() => small.connections()).toBe(0);
      expect((await second`select 2 as two`)[0]?.two).toBe(2);
    } finally {
      await Promise.all([first.end(), second.end()]);
      await small.stop();
    }
  });
});

describe('pglite-server.ts as a program', () => {
  it('serves PGLITE_DIR on PGLITE_PORT and exits cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ih-pglite-server-'));
    const port = await freePort();
    const script = fileURLToPath(new URL('./pglite-server.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, PGLITE_DIR: join(dir, 'nested', 'data'), PGLITE_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stderr.on('data', (d) => {
        output += d;
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          output += d;
          if (output.includes('listening')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      expect(output).toContain(`DATABASE_URL=postgres://postgres@127.0.0.1:${port}/postgres`);
      const opened = await openDatabase({ url: `postgres://postgres@127.0.0.1:${port}/postgres` });
      const s = await new InterviewStore(opened.db).createSession({
        roomName: 'interview-cli',
        candidateInviteHash: hashInvite('c'),
        interviewerInviteHash: hashInvite('i'),
      });
      expect(s.roomName).toBe('interview-cli');
      await opened.close();
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
    // a program started through tsx that opens and migrates a database: slow on a loaded machine
  }, 90_000);
});
