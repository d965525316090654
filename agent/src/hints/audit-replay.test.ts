import { type HintWhy, PROTOCOL_VERSION, type SignalMessage } from '@interview-helper/protocol';
import { AuditStore } from '@interview-helper/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionBus, type Speaker } from '../bus/session-bus.js';
import { InterviewerPublisher } from '../messaging/publisher.js';
import { FakeRoom, until } from '../messaging/testing.js';
import type { SessionContext } from '../session/extension.js';
import { type BoundRecorder, openRecorder } from '../session/recorder.js';
import { HintsExtension } from './hints-extension.js';

const cam: Speaker = { identity: 'cam', role: 'candidate', trackSid: 'TR_c' };

describe('the audit log of hints given by the hint engine', () => {
  let rec: BoundRecorder;
  beforeAll(async () => {
    rec = await openRecorder({ roomName: 'audit-room' });
  });
  afterAll(() => rec?.close());

  it('replays each decision from the audit log alone: trigger, what it read, to whom, feedback', async () => {
    const fake = new FakeRoom();
    fake.join('ivy', 'interviewer');
    fake.join('cam', 'candidate');
    const bus = new SessionBus((err) => {
      throw err;
    });
    let n = 0;
    const ctx: SessionContext = {
      sessionId: rec.sessionId,
      room: fake.room,
      publisher: new InterviewerPublisher(fake.room),
      recorder: rec,
      bus,
      turns: { watchPause: () => () => {} },
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
        void rec.signals([signal]);
        bus.emit({ type: 'signal', signal });
        return signal;
      },
    };
    const hints = new HintsExtension({ cadence: { minIntervalMs: 0 } });
    await hints.start(ctx);
    bus.emit({ type: 'speech-end', speaker: cam, start: Date.now() - 11_000, end: Date.now() - 9000 });
    const pause = ctx.emitSignal(
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
    const sent = await until('a long-pause hint', () =>
      fake.agentMessages().find((m) => m.message.type === 'hint' && m.message.kind === 'long-pause'),
    );
    bus.emit({
      type: 'client-message',
      message: {
        message: {
          v: PROTOCOL_VERSION,
          type: 'hint-feedback',
          hintId: String(sent.message.id),
          useful: false,
        },
        sender: { identity: 'ivy', role: 'interviewer' },
      },
    });
    await hints.close();

    const log = await new AuditStore(rec.database as NonNullable<typeof rec.database>).auditLog(
      rec.sessionId,
    );
    const decided = log.entries.find((e) => e.kind === 'hint.decided' && e.subject === sent.message.id);
    const why = decided?.data.why as HintWhy;
    expect(why.trigger).toBe('long-pause');
    expect(decided?.data.model).toBe('rules');
    // What it read: the stored signal and its values.
    expect(why.inputs.map((i) => i.id)).toContain(pause.id);
    expect(log.signals[pause.id]).toMatchObject({ kind: 'long-pause', values: { silenceSeconds: 9 } });
    expect(why.thresholds).toMatchObject({ minSeconds: 8 });
    const of = (kind: string) => log.entries.filter((e) => e.kind === kind && e.subject === sent.message.id);
    expect(of('hint.sent').map((e) => e.data.recipients)).toEqual([['ivy']]);
    expect(of('hint.dropped')).toEqual([]);
    // The feedback is stored on the hint row (the session also appends it with the interviewer's identity).
    const audit = new AuditStore(rec.database as NonNullable<typeof rec.database>);
    const deadline = Date.now() + 20_000;
    let feedback: unknown[] = [];
    while (feedback.length === 0 && Date.now() < deadline) {
      feedback = (await audit.auditLog(rec.sessionId)).entries
        .filter((e) => e.kind === 'hint.feedback')
        .map((e) => e.data.useful);
      if (feedback.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(feedback).toEqual([false]);
  }, 60_000);
});
