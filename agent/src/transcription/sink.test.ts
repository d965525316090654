import {
  TRANSCRIPT_SPEAKER_ATTRIBUTES,
  TRANSCRIPTION_ATTRIBUTES,
  TRANSCRIPTION_TOPIC,
} from '@interview-helper/protocol';
import { InterviewStore, type TranscriptSegmentInput } from '@interview-helper/storage';
import { describe, expect, it } from 'vitest';
import { SessionBus } from '../bus/session-bus.js';
import { InterviewerPublisher } from '../messaging/publisher.js';
import { FakeRoom } from '../messaging/testing.js';
import type { SessionContext } from '../session/extension.js';
import { openRecorder } from '../session/recorder.js';
import type { SessionRecorder } from '../session/recorder-types.js';
import { TranscriptSink } from './sink.js';
import type { TranscriptSegment } from './transcriber.js';

function context(recorder: Partial<SessionRecorder>) {
  const fake = new FakeRoom();
  const ctx: SessionContext = {
    sessionId: 'ses_1',
    room: fake.room,
    publisher: new InterviewerPublisher(fake.room),
    recorder: {
      presence: async () => {},
      signals: async () => {},
      hintFeedback: async () => false,
      close: async () => {},
      ...recorder,
    },
    bus: new SessionBus(),
    turns: { watchPause: () => () => {} },
    candidate: () => 'cam',
    emitSignal: () => {
      throw new Error('not used');
    },
  };
  return { fake, ctx };
}

const segment = (id: string, text: string, status: 'ok' | 'failed' = 'ok'): TranscriptSegment => ({
  id,
  speaker: { identity: 'cam', role: 'candidate', trackSid: 'TR_c' },
  text,
  start: 1000,
  end: 2000,
  status,
  attempts: 1,
  closedAt: 2000,
  readyAt: 2100,
});

describe('TranscriptSink', () => {
  it('publishes the final caption on behalf of the speaker and stores it through the session recorder', async () => {
    const stored: TranscriptSegmentInput[] = [];
    const { fake, ctx } = context({
      insertTranscriptSegment: async (s) => {
        stored.push(s);
        return true;
      },
    });
    const sink = new TranscriptSink(ctx);
    await sink.write(segment('seg_1', 'I would use a queue'));
    await sink.write(segment('seg_2', '', 'failed'));
    await sink.close();
    const captions = fake.sent.filter((s) => s.topic === TRANSCRIPTION_TOPIC);
    expect(captions[0]).toMatchObject({ text: 'I would use a queue', sender: 'cam' });
    expect(captions[0]?.attributes).toMatchObject({
      [TRANSCRIPTION_ATTRIBUTES.SEGMENT_ID]: 'seg_1',
      [TRANSCRIPTION_ATTRIBUTES.TRACK_ID]: 'TR_c',
      [TRANSCRIPTION_ATTRIBUTES.FINAL]: 'true',
      [TRANSCRIPT_SPEAKER_ATTRIBUTES.ROLE]: 'candidate',
    });
    // Failed segments are stored too (never dropped silently), final and dated like the others.
    expect(stored.map((s) => [s.id, s.status, s.sessionId, s.final, s.finalizedAt])).toEqual([
      ['seg_1', 'ok', 'ses_1', true, 2100],
      ['seg_2', 'failed', 'ses_1', true, 2100],
    ]);
  });

  it('keeps segments the store refused and writes them, in order, with the next one', async () => {
    const stored: [string, number | Date | undefined][] = [];
    let down = true;
    const { ctx } = context({
      insertTranscriptSegment: async (s) => {
        if (down) throw new Error('database unreachable');
        stored.push([s.id, s.finalizedAt]);
        return true;
      },
    });
    const sink = new TranscriptSink(ctx);
    await sink.write({ ...segment('seg_1', 'one'), readyAt: 2100 });
    await sink.write({ ...segment('seg_2', 'two'), readyAt: 3100 });
    expect(stored).toEqual([]);
    down = false;
    await sink.write({ ...segment('seg_3', 'three'), readyAt: 4100 });
    // each keeps the time it became final, not the time the database took it
    expect(stored).toEqual([
      ['seg_1', 2100],
      ['seg_2', 3100],
      ['seg_3', 4100],
    ]);
  });

  it('stores a segment once final, dated when its text was ready; interim captions are never stored', async () => {
    const rec = await openRecorder({ roomName: 'room-sink' });
    try {
      const { ctx } = context(rec);
      ctx.sessionId = rec.sessionId;
      const sink = new TranscriptSink(ctx, { interim: { minIntervalMs: 0 } });
      const store = new InterviewStore(rec.database as NonNullable<typeof rec.database>);
      const cam = segment('seg_1', '').speaker;
      sink.interim('seg_1', cam, 'I would');
      sink.interim('seg_2', cam, 'and then'); // still being spoken when the test ends
      await sink.write({ ...segment('seg_1', 'I would use a queue'), readyAt: 5000 });
      await sink.close();
      expect(await rec.writes?.drain(60_000)).toBe(true);
      const rows = await store.listTranscript(rec.sessionId);
      expect(rows.map((r) => [r.id, r.text, r.final, r.finalizedAt])).toEqual([
        ['seg_1', 'I would use a queue', true, new Date(5000)],
      ]);
    } finally {
      await rec.close();
    }
  }, 90_000);

  it('still publishes when the recorder keeps no transcript', async () => {
    const { fake, ctx } = context({});
    const sink = new TranscriptSink(ctx);
    await sink.write(segment('seg_1', 'hello'));
    await sink.close();
    expect(fake.sent.filter((s) => s.topic === TRANSCRIPTION_TOPIC).map((s) => s.text)).toEqual(['hello']);
  });
});
