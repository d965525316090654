import { InterviewStore, type OpenedDatabase, openDatabase, SESSION_TABLES } from '@interview-helper/storage';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { dataServices } from './data-routes.js';
import type { RoomCloser } from './rooms.js';
import { LivekitRoomCloser } from './rooms.js';
import { type Created, capturingLogger, config, json, lenientLimiter, requestToken } from './test-support.js';

const ADMIN = 'admin-token-for-the-data-routes';
const NOW = new Date(Date.UTC(2026, 11, 1, 9, 0, 0));

/** Room closer that records what it was asked to close; every room counts as open. */
class FakeRooms implements RoomCloser {
  readonly closed: string[] = [];
  async close(roomName: string) {
    this.closed.push(roomName);
    return 'closed' as const;
  }
}

interface ErrorBody {
  error: { code: string; message: string };
}

describe('data routes: deletion and candidate export', () => {
  let database: OpenedDatabase;
  let store: InterviewStore;
  let rooms: FakeRooms;
  let app: ReturnType<typeof createApp>;
  let openApp: ReturnType<typeof createApp>;

  beforeAll(async () => {
    database = await openDatabase();
    store = new InterviewStore(database.db);
    rooms = new FakeRooms();
    const data = dataServices(database.db, config, { rooms, clock: () => NOW });
    const logger = capturingLogger();
    const limiter = lenientLimiter();
    app = createApp({
      store,
      config: { ...config, adminToken: ADMIN },
      data,
      logger,
      limiter,
      clock: () => NOW,
    });
    openApp = createApp({ store, config: { ...config, adminToken: undefined }, data, logger, limiter });
  });
  afterAll(() => database?.close());

  const admin = { authorization: `Bearer ${ADMIN}` };
  const del = (id: string, body?: unknown, headers: Record<string, string> = admin) =>
    app.request(`/api/sessions/${id}`, {
      method: 'DELETE',
      // Every write is JSON (the write guard refuses others, bodyless or not).
      headers: { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const get = (path: string, headers: Record<string, string> = admin) => app.request(path, { headers });

  /** A session created through the API, with what the agent would have stored about it. */
  async function interview(): Promise<Created & { candidate: string; interviewer: string }> {
    const res = await app.request('/api/sessions', json({ title: 'Backend engineer' }, admin));
    expect(res.status).toBe(201);
    const created = (await res.json()) as Created;
    const id = created.session.id;
    const t = NOW.getTime() - 3_600_000;
    const candidate = `candidate-${id.slice(0, 8)}`;
    const interviewer = `interviewer-${id.slice(0, 8)}`;
    await store.recordJoin({ sessionId: id, identity: candidate, role: 'candidate', name: 'Cam', at: t });
    await store.recordJoin({ sessionId: id, identity: interviewer, role: 'interviewer', name: 'Ivy', at: t });
    await store.insertSignals([
      {
        id: `sig-${id}`,
        sessionId: id,
        analyser: 'face',
        kind: 'look-away',
        media: 'video',
        range: { start: t, end: t + 4000 },
        values: { observations: 8 },
        confidence: 0.8,
        summary: 'looked away 4 s',
      },
    ]);
    await store.insertHint({
      id: `hint-${id}`,
      sessionId: id,
      kind: 'look-away',
      text: 'Looked away for 4 s.',
      evidence: [`sig-${id}`],
      confidence: 0.6,
      source: 'rules',
      createdAt: t + 4100,
    });
    for (const [n, who, role] of [
      [1, interviewer, 'interviewer'],
      [2, candidate, 'candidate'],
    ] as const) {
      await store.insertTranscriptSegment({
        id: `seg-${id}-${n}`,
        sessionId: id,
        speakerIdentity: who,
        speakerRole: role,
        text: role === 'candidate' ? 'I would add an index.' : 'How would you speed this up?',
        start: t + n * 1000,
        end: t + n * 1000 + 900,
        final: true,
      });
    }
    await store.saveReport(id, { version: 1 }, t + 60_000);
    return { ...created, candidate, interviewer };
  }

  async function rowsOfSession(id: string): Promise<number> {
    let total = 0;
    for (const name of [...SESSION_TABLES.map((t) => t.name), 'sessions']) {
      const column = name === 'sessions' ? 'id' : 'session_id';
      const result = (await database.db.execute(
        sql`select count(*)::int as n from ${sql.identifier(name)} where ${sql.identifier(column)} = ${id}`,
      )) as unknown as { rows: { n: number }[] };
      total += result.rows[0]?.n ?? 0;
    }
    return total;
  }

  it('refuses every data route without the admin token, and all of them when none is configured', async () => {
    const s = await interview();
    const id = s.session.id;
    const refused: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${s.invites.interviewer}` },
    ];
    for (const headers of refused) {
      for (const res of [
        await del(id, undefined, headers),
        await get(`/api/sessions/${id}/export`, headers),
        await get(`/api/sessions/${id}/deletion`, headers),
      ]) {
        expect(res.status).toBe(401);
        expect(((await res.json()) as ErrorBody).error.code).toBe('unauthorized');
      }
    }
    const open = await openApp.request(`/api/sessions/${id}`, {
      method: 'DELETE',
      headers: { ...admin, 'content-type': 'application/json' },
    });
    expect(open.status).toBe(401);
    expect(((await open.json()) as ErrorBody).error.message).toContain('ADMIN_TOKEN');
    expect((await openApp.request(`/api/sessions/${id}/export`)).status).toBe(401);
    expect(await store.getSession(id)).toBeDefined();
    expect(rooms.closed).not.toContain(s.session.roomName);
    // The interviewer's report route keeps its own authorisation.
    const report = await get(`/api/sessions/${id}/report`, {
      authorization: `Bearer ${s.invites.interviewer}`,
    });
    expect(report.status).toBe(200);
  });

  it('deletes a session: closes its room, leaves no row but the receipt, answers again with the receipt', async () => {
    const s = await interview();
    const id = s.session.id;
    expect(await rowsOfSession(id)).toBe(1 + 2 + 1 + 1 + 2 + 1);

    const res = await del(id, { requestedBy: 'hr-ops (ticket 4711)' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { receipt: Record<string, unknown>; alreadyDeleted: boolean };
    expect(body.alreadyDeleted).toBe(false);
    expect(body.receipt).toMatchObject({
      sessionId: id,
      roomName: s.session.roomName,
      sessionCreatedAt: NOW.toISOString(),
      deletedAt: NOW.toISOString(),
      requestedBy: 'hr-ops (ticket 4711)',
      reason: 'request',
      room: 'closed',
      rows: {
        participants: 2,
        signals: 1,
        hints: 1,
        transcript_segments: 2,
        session_reports: 1,
        sessions: 1,
      },
    });
    expect(rooms.closed).toContain(s.session.roomName);
    expect(await rowsOfSession(id)).toBe(0);

    // Nothing is reachable any more: no token, no report, no export.
    const token = await requestToken(app, {
      session: id,
      role: 'candidate',
      name: 'Cam',
      invite: s.invites.candidate,
    });
    expect(token.status).toBe(404);
    expect(token.body.error?.code).toBe('session_not_found');
    expect(
      (await get(`/api/sessions/${id}/report`, { authorization: `Bearer ${s.invites.interviewer}` })).status,
    ).toBe(401);
    expect((await get(`/api/sessions/${id}/export`)).status).toBe(404);

    const again = await del(id);
    expect(again.status).toBe(200);
    const second = (await again.json()) as typeof body;
    expect(second).toEqual({ receipt: body.receipt, alreadyDeleted: true });
    const receipt = await get(`/api/sessions/${id}/deletion`);
    expect(receipt.status).toBe(200);
    expect(await receipt.json()).toEqual({ receipt: body.receipt });
  });

  it('answers an unknown session with 404 session_not_found and a bad body with 400', async () => {
    const res = await del('no-such-session');
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.code).toBe('session_not_found');
    // No valid id is that long or holds a NUL: refused before storage.
    for (const id of ['x'.repeat(300), 'a%00b']) {
      const bad = await del(id);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as ErrorBody).error.code).toBe('invalid_request');
    }
    expect((await get('/api/sessions/no-such-session/deletion')).status).toBe(404);
    const s = await interview();
    for (const bad of ['{', { requestedBy: '' }, { requestedBy: 'a\u0007b' }, { other: 1 }]) {
      const res = await del(s.session.id, bad);
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error.code).toBe('invalid_request');
    }
    expect(await store.getSession(s.session.id)).toBeDefined();
    // Default label when no body is sent.
    const ok = (await (await del(s.session.id)).json()) as { receipt: { requestedBy: string } };
    expect(ok.receipt.requestedBy).toBe('admin');
  });

  it('exports what is held about the candidate as JSON', async () => {
    const s = await interview();
    const id = s.session.id;
    const res = await get(`/api/sessions/${id}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="candidate-export-${id}.json"`);
    const body = (await res.json()) as {
      format: string;
      exportedAt: string;
      identities: string[];
      session: { settings: Record<string, unknown> };
      tables: Record<string, Record<string, unknown>[]>;
    };
    expect(body.format).toBe('interview-helper.candidate-export.v1');
    expect(body.exportedAt).toBe(NOW.toISOString());
    expect(body.identities).toEqual([s.candidate]);
    expect(body.session.settings).toMatchObject({ title: 'Backend engineer' });
    expect(body.tables.transcript_segments?.map((r) => r.text)).toEqual(['I would add an index.']);
    expect(body.tables.participants?.map((r) => r.identity)).toEqual([s.candidate]);
    expect(body.tables.signals?.[0]).toMatchObject({ kind: 'look-away', summary: 'looked away 4 s' });
    expect(body.tables.hints?.[0]).toMatchObject({ text: 'Looked away for 4 s.' });
    expect(body.tables.session_reports).toHaveLength(1);
    expect(JSON.stringify(body)).not.toContain('How would you speed this up?');
    // The invites' hashes are not the candidate's data and never leave the server.
    expect(JSON.stringify(body)).not.toContain('InviteHash');

    const one = await get(`/api/sessions/${id}/export?identity=${encodeURIComponent(s.candidate)}`);
    expect(((await one.json()) as typeof body).identities).toEqual([s.candidate]);
    const wrong = await get(`/api/sessions/${id}/export?identity=${encodeURIComponent(s.interviewer)}`);
    expect(wrong.status).toBe(404);
    expect(((await wrong.json()) as ErrorBody).error.code).toBe('not_found');
    const none = await get('/api/sessions/no-such-session/export');
    expect(((await none.json()) as ErrorBody).error.code).toBe('session_not_found');
  });

  it('leaves session creation and tokens as they were', async () => {
    const res = await app.request('/api/sessions', json({ title: 'x' }, admin));
    expect(res.status).toBe(201);
  });
});

describe('LivekitRoomCloser', () => {
  it('reports a LiveKit server that does not answer as unreachable', async () => {
    const rooms = new LivekitRoomCloser({ ...config, livekitUrl: 'ws://127.0.0.1:9' }, { timeoutSeconds: 2 });
    expect(await rooms.close('interview-x')).toBe('unreachable');
  });
});
