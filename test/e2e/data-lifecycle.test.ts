import { type OpenedDatabase, openDatabase } from '@interview-helper/storage';
import { rowsMentioning, rowsOf } from '@interview-helper/storage/testing';
import { RoomEvent } from '@livekit/rtc-node';
import { sql } from 'drizzle-orm';
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEECH_WAV, startInterview, until as untilValue, waitForSignals } from './harness/interview.js';
import { type Stack, startStack } from './harness/stack.js';

const ADMIN_TOKEN = 'e2e-admin-token-for-deletion';

/** Polls an async condition every 200 ms until it holds, or fails after `timeoutMs`. */
const until = (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) =>
  untilValue(what, async () => ((await check()) ? true : undefined), timeoutMs, { intervalMs: 200 });

describe('data lifecycle: deleting an interview that ran through the real stack', () => {
  let stack: Stack;
  let adminUrl: string;
  let db: OpenedDatabase;

  beforeAll(async () => {
    stack = await startStack();
    // A second token server with ADMIN_TOKEN set, on the same database and livekit-server (the stack's own one
    // runs without an admin token, so its data routes refuse everything).
    const admin = await stack.startTokenServer({
      name: 'token-server-admin',
      env: { ADMIN_TOKEN, RETENTION_DAYS: undefined },
    });
    adminUrl = admin.url;
    db = await openDatabase({ url: stack.databaseUrl, migrate: false });
  });
  afterAll(async () => {
    await db?.close();
    await stack?.stop();
  });

  const call = (method: string, path: string, token = ADMIN_TOKEN) =>
    fetch(`${adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });

  it('closes the live room, deletes every row but the receipt, and answers a second request with it', async () => {
    const interview = await startInterview(stack, { camera: { fps: 10 }, microphone: { wav: SPEECH_WAV } });
    const { created, interviewer, candidate } = interview;
    const id = created.session.id;
    try {
      // The agent is dispatched when the first participant joins; on a loaded machine its job can take a while.
      await waitForSignals(interviewer, ['audio-level', 'video-frames'], 120_000);
      await until('signals stored', async () => {
        const [row] = await rowsOf<{ n: number }>(
          db.db,
          sql`select count(*)::int as n from signals where session_id = ${id}`,
        );
        return (row?.n ?? 0) > 0;
      });
      const before = await rowsMentioning(db.db, id);
      expect(before.sessions).toBe(1);
      expect(before.participants).toBeGreaterThanOrEqual(2);

      // The stack's token server has no ADMIN_TOKEN: its data routes refuse.
      const refused = await fetch(`${stack.tokenServerUrl}/api/sessions/${id}`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
      });
      expect(refused.status).toBe(401);
      expect((await call('DELETE', `/api/sessions/${id}`, 'wrong-token')).status).toBe(401);

      const disconnected = new Promise<void>((resolve) =>
        interviewer.room.once(RoomEvent.Disconnected, () => resolve()),
      );
      const res = await call('DELETE', `/api/sessions/${id}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        receipt: { sessionId: string; room: string; reason: string; rows: Record<string, number> };
        alreadyDeleted: boolean;
      };
      expect(body.alreadyDeleted).toBe(false);
      expect(body.receipt).toMatchObject({ sessionId: id, room: 'closed', reason: 'request' });
      expect(body.receipt.rows.sessions).toBe(1);
      expect(body.receipt.rows.signals).toBeGreaterThan(0);
      expect(body.receipt.rows.participants).toBeGreaterThanOrEqual(2);

      // The room is gone: everyone in it was disconnected and livekit-server no longer lists it.
      await disconnected;
      const rooms = new RoomServiceClient(
        stack.livekit.url.replace(/^ws/, 'http'),
        stack.livekit.apiKey,
        stack.livekit.apiSecret,
      );
      await until(
        'the room to close',
        async () => (await rooms.listRooms([created.session.roomName])).length === 0,
      );

      // Nothing but the receipt names the session or its room, in any table.
      expect(await rowsMentioning(db.db, id)).toEqual({ deletion_receipts: 1 });
      expect(await rowsMentioning(db.db, created.session.roomName)).toEqual({ deletion_receipts: 1 });
      expect(await rowsMentioning(db.db, candidate.identity)).toEqual({});

      // Its invites no longer give tokens, and a second deletion answers with the same receipt.
      const token = await fetch(`${stack.tokenServerUrl}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          session: id,
          role: 'candidate',
          name: 'Cam',
          invite: created.invites.candidate,
        }),
      });
      expect(token.status).toBe(404);
      const again = await call('DELETE', `/api/sessions/${id}`);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ receipt: body.receipt, alreadyDeleted: true });
      expect((await call('DELETE', '/api/sessions/never-created')).status).toBe(404);
      console.log(`[measure] deleted rows ${JSON.stringify(body.receipt.rows)}`);
    } finally {
      await interview.end().catch(() => {});
    }
  });
});
