import { join } from 'node:path';
import { type OpenedDatabase, openDatabase } from '@interview-helper/storage';
import { rowsMentioning, rowsOf } from '@interview-helper/storage/testing';
import { RoomEvent } from '@livekit/rtc-node';
import { sql } from 'drizzle-orm';
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBRIVOX_DIR } from '../fixtures/paths.js';
import { photoFrames, publishCamera, publishMicrophone } from './clients/media.js';
import { createSession, join as joinRoom, signalsOf, waitFor } from './clients/participant.js';
import { repoRoot, type Service, spawnService } from './harness/processes.js';
import { freePort, type Stack, startStack } from './harness/stack.js';

const SPEECH = join(LIBRIVOX_DIR, 'sense_and_sensibility_01_austen_64kb-0870.wav');
const ADMIN_TOKEN = 'e2e-admin-token-for-deletion';

/** Polls an async condition every 200 ms until it holds, or fails after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('data lifecycle: deleting an interview that ran through the real stack', () => {
  let stack: Stack;
  let admin: Service;
  let adminUrl: string;
  let db: OpenedDatabase;

  beforeAll(async () => {
    stack = await startStack();
    // A second token server with ADMIN_TOKEN set, on the same database and livekit-server (the stack's own one
    // runs without an admin token, so its data routes refuse everything).
    const port = await freePort();
    adminUrl = `http://127.0.0.1:${port}`;
    admin = await spawnService({
      name: 'token-server-admin',
      cmd: join(repoRoot, 'node_modules/.bin/tsx'),
      args: ['token-server/src/main.ts'],
      cwd: repoRoot,
      env: {
        LIVEKIT_URL: stack.livekit.url,
        LIVEKIT_API_KEY: stack.livekit.apiKey,
        LIVEKIT_API_SECRET: stack.livekit.apiSecret,
        DATABASE_URL: stack.databaseUrl,
        AGENT_NAME: stack.agentName,
        TOKEN_SERVER_HOST: '127.0.0.1',
        TOKEN_SERVER_PORT: String(port),
        ADMIN_TOKEN,
        RETENTION_DAYS: undefined,
      },
      readyWhen: /token server listening/,
    });
    db = await openDatabase({ url: stack.databaseUrl, migrate: false });
  });
  afterAll(async () => {
    await db?.close();
    await admin?.stop();
    await stack?.stop();
  });

  const call = (method: string, path: string, token = ADMIN_TOKEN) =>
    fetch(`${adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });

  it('closes the live room, deletes every row but the receipt, and answers a second request with it', async () => {
    const created = await createSession(stack);
    const id = created.session.id;
    const interviewer = await joinRoom(stack, created, 'interviewer', 'Ivy Interviewer');
    const candidate = await joinRoom(stack, created, 'candidate', 'Cam Candidate');
    const frames = await photoFrames(320, 240);
    const camera = await publishCamera(candidate.room, frames.slice(0, 1), { fps: 10 });
    const mic = await publishMicrophone(candidate.room, SPEECH);
    try {
      // The agent is dispatched when the first participant joins; on a loaded machine its job can take a while.
      await waitFor(
        'audio and video signals',
        () =>
          signalsOf(interviewer, 'audio-level').length > 0 &&
          signalsOf(interviewer, 'video-frames').length > 0
            ? true
            : undefined,
        120_000,
      );
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
      await camera.stop();
      await mic.stop();
      await candidate.leave().catch(() => {});
      await interviewer.leave().catch(() => {});
    }
  });
});
