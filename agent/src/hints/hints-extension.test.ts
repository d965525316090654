import { PROTOCOL_VERSION, type SignalMessage } from '@interview-helper/protocol';
import { InterviewStore } from '@interview-helper/storage';
import { DisconnectReason, RoomEvent } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionBus, type Speaker } from '../bus/session-bus.js';
import { InterviewerPublisher } from '../messaging/publisher.js';
import { FakeRoom, until } from '../messaging/testing.js';
import type { SessionContext } from '../session/extension.js';
import { type BoundRecorder, openRecorder } from '../session/recorder.js';
import { HintsExtension } from './hints-extension.js';
import { unconnectedContext } from './testing.js';

const cam: Speaker = { identity: 'cam', role: 'candidate', trackSid: 'TR_c' };
const ivy: Speaker = { identity: 'ivy', role: 'interviewer', trackSid: 'TR_i' };

describe('HintsExtension on the session bus and the session’s one store (no DATABASE_URL)', () => {
  let rec: BoundRecorder;
  beforeAll(async () => {
    rec = await openRecorder({ roomName: 'hints-room' });
  });
  afterAll(() => rec?.close());

  it('turns transcript events, pauses and code-pad messages into hints for the interviewers only, stored in the recorder’s database', async () => {
    const fake = new FakeRoom();
    fake.join('ivy', 'interviewer');
    fake.join('cam', 'candidate');
    const bus = new SessionBus((err) => {
      throw err;
    });
    const watched: (() => number)[] = [];
    const emitted: string[] = [];
    let n = 0;
    const ctx: SessionContext = {
      sessionId: rec.sessionId,
      room: fake.room,
      publisher: new InterviewerPublisher(fake.room),
      recorder: rec,
      bus,
      turns: {
        watchPause: (f) => {
          watched.push(f);
          return () => {};
        },
      },
      candidate: () => 'cam',
      emitSignal: (draft, source) => {
        const signal = {
          v: PROTOCOL_VERSION,
          type: 'signal' as const,
          id: `sig_${++n}`,
          sessionId: rec.sessionId,
          analyser: source.analyser,
          media: source.media,
          ...draft,
        } as SignalMessage;
        emitted.push(signal.kind);
        bus.emit({ type: 'signal', signal });
        return signal;
      },
    };
    const hints = new HintsExtension({ cadence: { minIntervalMs: 0 } });
    await hints.start(ctx);
    // The long-pause trigger's threshold is watched by the turn model (8 s by default).
    expect(watched.map((f) => f())).toEqual([8]);

    // A question, then the candidate says they are stuck: a transcript event, no database read.
    const said = (speaker: Speaker, id: string, text: string, end: number) =>
      bus.emit({ type: 'transcript', segment: { id, speaker, text, start: end - 1000, end, status: 'ok' } });
    said(ivy, 'seg_q', 'How would you find duplicates in a list?', Date.now() - 3000);
    said(cam, 'seg_a', "I'm stuck, I don't know how to start.", Date.now());
    const stuck = await until('a stuck hint', () =>
      fake.agentMessages().find((m) => m.message.type === 'hint' && m.message.kind === 'stuck'),
    );
    expect(stuck.to).toEqual(['ivy']);
    expect(stuck.message.evidence).toEqual(['seg_a']);

    // The turn model's pause (a signal on the bus) after the candidate spoke; it comes within seconds of the
    // clarification request, so it merges into that hint (one hint, updated under the same id).
    bus.emit({ type: 'speech-end', speaker: cam, start: Date.now() - 11_000, end: Date.now() - 9000 });
    ctx.emitSignal(
      {
        kind: 'long-pause',
        range: { start: Date.now() - 9000, end: Date.now() },
        values: {
          phase: 'start',
          episodeId: 'pause-1',
          durationMs: 9000,
          silenceSeconds: 9,
          thresholdSeconds: 8,
          after: 'speech',
        },
        confidence: 0.9,
        summary: 'Candidate silent for 9.0 s',
      },
      { analyser: 'turns', media: 'audio' },
    );
    await until('the pause merged into the clarification hint', () =>
      fake
        .agentMessages()
        .find(
          (m) =>
            m.message.type === 'hint' &&
            m.message.id === stuck.message.id &&
            ((m.message.why as { merged?: unknown[] } | undefined)?.merged?.length ?? 0) > 0,
        ),
    );

    // A code pad from the candidate becomes a code-update signal and a review hint.
    const code =
      'function last(xs) {\n  for (let i = 0; i <= xs.length; i++) {}\n  return xs[xs.length - 1];\n}\n';
    bus.emit({
      type: 'client-message',
      message: {
        message: { v: PROTOCOL_VERSION, type: 'code', revision: 1, language: 'javascript', text: code },
        sender: { identity: 'cam', role: 'candidate' },
      },
    });
    expect(emitted).toContain('code-update');
    await until('a code-review hint', () =>
      fake.agentMessages().find((m) => m.message.type === 'hint' && m.message.kind === 'code-review'),
    );
    // The job's stage latencies (the metrics' periodic bus event) go into the report.
    const p = { n: 3, p50: 0.2, p95: 0.9 };
    const stages = {
      analysers: { vad: { processingMs: p, lagMs: p } },
      sttMs: p,
      hintMs: p,
      hintMsByTrigger: {},
    };
    bus.emit({ type: 'processing', stages });
    await hints.close();

    // Stored in the recorder's database, which stays open for its owner.
    const store = new InterviewStore(rec.database as NonNullable<typeof rec.database>);
    const rows = await store.listHints(rec.sessionId);
    expect(rows.map((h) => h.kind).sort()).toEqual(['code-review', 'stuck']);
    expect(rows.every((h) => h.recipients?.includes('ivy'))).toBe(true);
    const report = (await store.getReport(rec.sessionId))?.report as { metrics?: { processing?: unknown } };
    expect(report?.metrics?.processing).toEqual(stages);
    // Nothing went to the candidate.
    expect(fake.sent.every((s) => !s.to?.includes('cam'))).toBe(true);
  }, 60_000);

  it('writes no session report when LiveKit removed it from the room (another job has the session); it does when the room was deleted', async () => {
    const reportAfter = async (reason: DisconnectReason) => {
      const own = await openRecorder({ roomName: `hints-${reason}` });
      try {
        const ctx: SessionContext = { ...unconnectedContext(own.sessionId), recorder: own };
        const hints = new HintsExtension();
        await hints.start(ctx);
        ctx.room.emit(RoomEvent.Disconnected, reason);
        await hints.close();
        const store = new InterviewStore(own.database as NonNullable<typeof own.database>);
        return store.getReport(own.sessionId);
      } finally {
        await own.close();
      }
    };
    expect(await reportAfter(DisconnectReason.PARTICIPANT_REMOVED)).toBeUndefined();
    expect((await reportAfter(DisconnectReason.ROOM_DELETED))?.report).toMatchObject({ hints: [] });
  }, 60_000);
});
