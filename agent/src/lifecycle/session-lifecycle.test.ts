import { EventEmitter } from 'node:events';
import { ROLE_ATTRIBUTE } from '@interview-helper/protocol';
import { hashInvite, InterviewStore, type OpenedDatabase, openDatabase } from '@interview-helper/storage';
import { RoomEvent } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionContext } from '../session/extension.js';
import { SessionLifecycle } from './session-lifecycle.js';

/** The parts of a room the lifecycle reads: its name, its remote participants and their comings and goings. */
class FakeRoom extends EventEmitter {
  readonly name: string;
  readonly remoteParticipants = new Map<string, { identity: string; attributes: Record<string, string> }>();

  constructor(name: string) {
    super();
    this.name = name;
  }

  join(identity: string, role?: string) {
    const attributes: Record<string, string> = role ? { [ROLE_ATTRIBUTE]: role } : {};
    const p = { identity, attributes };
    this.remoteParticipants.set(identity, p);
    this.emit(RoomEvent.ParticipantConnected, p);
  }

  leave(identity: string) {
    const p = this.remoteParticipants.get(identity);
    this.remoteParticipants.delete(identity);
    this.emit(RoomEvent.ParticipantDisconnected, p);
  }
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('SessionLifecycle', () => {
  let database: OpenedDatabase;
  let store: InterviewStore;
  let n = 0;

  beforeAll(async () => {
    database = await openDatabase();
    store = new InterviewStore(database.db);
  });
  afterAll(() => database?.close());

  async function setup(idleEndMs: number) {
    const id = `lifecycle-${++n}`;
    await store.createSession({
      id,
      roomName: `room-${id}`,
      candidateInviteHash: hashInvite('c'),
      interviewerInviteHash: hashInvite('i'),
    });
    const room = new FakeRoom(`room-${id}`);
    const closed: string[] = [];
    const lifecycle = new SessionLifecycle({
      idleEndMs,
      closeRoom: async (name) => {
        closed.push(name);
      },
    });
    const ctx = { sessionId: id, room, recorder: { database: database.db } } as unknown as SessionContext;
    return { id, room, closed, lifecycle, ctx };
  }

  it('ends the session and closes the room once everyone has been gone for the idle time', async () => {
    const { id, room, closed, lifecycle, ctx } = await setup(150);
    room.join('candidate-1', 'candidate');
    room.join('interviewer-1', 'interviewer');
    await lifecycle.start(ctx);
    room.leave('candidate-1');
    // Someone who is not a candidate or interviewer (another agent, a tool) does not keep it open.
    room.join('tool', undefined);
    room.leave('interviewer-1');
    await until('the room to be closed', () => closed.length > 0);
    expect(closed).toEqual([room.name]);
    expect((await store.getSession(id))?.endedAt).toBeInstanceOf(Date);
    expect(lifecycle.ended).toBe(true);
    await lifecycle.close();
  });

  it('keeps the session while someone comes back within the idle time', async () => {
    const { id, room, closed, lifecycle, ctx } = await setup(300);
    room.join('candidate-1', 'candidate');
    await lifecycle.start(ctx);
    room.leave('candidate-1');
    room.join('candidate-2', 'candidate'); // a refresh: a new identity
    // Longer than the idle time with the candidate back: still open.
    await new Promise((r) => setTimeout(r, 600));
    expect(closed).toEqual([]);
    expect((await store.getSession(id))?.endedAt).toBeNull();
    await lifecycle.close();
    room.leave('candidate-2');
    await new Promise((r) => setTimeout(r, 400));
    expect(closed).toEqual([]); // closed extensions do nothing more
  });

  it('closes the room at once for a session that had already ended, and never with idle end off', async () => {
    const ended = await setup(10_000);
    await store.endSession(ended.id, Date.now() - 60_000);
    const before = (await store.getSession(ended.id))?.endedAt;
    ended.room.join('candidate-1', 'candidate');
    await ended.lifecycle.start(ended.ctx);
    await until('the room to be closed', () => ended.closed.length > 0);
    expect((await store.getSession(ended.id))?.endedAt).toEqual(before);

    const off = await setup(0);
    await off.lifecycle.start(off.ctx);
    await new Promise((r) => setTimeout(r, 200));
    expect(off.closed).toEqual([]);
    await off.lifecycle.close();
  });

  it('still closes the room when storage fails', async () => {
    const { room, closed, lifecycle, ctx } = await setup(50);
    const broken = await openDatabase();
    await broken.close();
    await lifecycle.start({ ...ctx, recorder: { database: broken.db } } as unknown as SessionContext);
    await until('the room to be closed', () => closed.length > 0);
    expect(closed).toEqual([room.name]);
  });
});
