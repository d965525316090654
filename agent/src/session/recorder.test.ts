import { exampleSignal, type SignalMessage } from '@interview-helper/protocol';
import { InterviewStore } from '@interview-helper/storage';
import { describe, expect, it } from 'vitest';
import { openRecorder } from './recorder.js';

const signal = (sessionId: string, id: string): SignalMessage =>
  exampleSignal('speech-segment', { seconds: 1 }, 2000, {
    id,
    sessionId,
    analyser: 'vad',
    range: { start: 1000, end: 2000 },
    confidence: 0.9,
    summary: 'Candidate spoke for 1.0 s',
  });

describe('openRecorder without DATABASE_URL', () => {
  it('is the job’s one store: signals, presence, transcript, settings and the database others write hints to', async () => {
    const rec = await openRecorder({ roomName: 'room-1' });
    try {
      expect(rec.database).toBeDefined();
      const store = new InterviewStore(rec.database as NonNullable<typeof rec.database>);
      expect((await store.getSessionByRoom('room-1'))?.id).toBe(rec.sessionId);
      await rec.presence({
        identity: 'cam',
        name: 'Cam',
        role: 'candidate',
        joined: true,
        at: new Date(1000),
      });
      await rec.signals([signal(rec.sessionId, 'sig_1'), signal(rec.sessionId, 'sig_2')]);
      expect(
        await rec.insertTranscriptSegment?.({
          id: 'seg_1',
          sessionId: rec.sessionId,
          speakerIdentity: 'cam',
          speakerRole: 'candidate',
          text: 'I would use a queue',
          start: 1000,
          end: 2000,
          final: true,
          status: 'ok',
        }),
      ).toBe(true);
      // writes never wait for the database: they are queued in order and applied behind the caller
      expect(await rec.writes?.drain(60_000)).toBe(true);
      expect((await store.listSignals(rec.sessionId)).map((s) => s.id)).toEqual(['sig_1', 'sig_2']);
      expect((await store.listTranscript(rec.sessionId)).map((t) => t.text)).toEqual(['I would use a queue']);
      expect((await store.listParticipants(rec.sessionId)).map((p) => p.identity)).toEqual(['cam']);
      expect(await rec.settings?.()).toMatchObject({ createdBy: 'agent' });
      await rec.hintFeedback('hint_missing', true, new Date());
      expect(await rec.writes?.drain(60_000)).toBe(true);
      expect(rec.writes?.status()).toMatchObject({ state: 'ok', pendingRows: 0, droppedRows: 0 });
    } finally {
      await rec.close();
    }
  }, 90_000);

  it('gives up a signal batch the database refuses and stores the ones after it', async () => {
    const rec = await openRecorder({ roomName: 'room-2' });
    try {
      const store = new InterviewStore(rec.database as NonNullable<typeof rec.database>);
      // A signal of another (unknown) session is refused by the database: given up, the next batches go on.
      await rec.signals([signal('ses_unknown', 'sig_bad')]);
      await rec.signals([signal(rec.sessionId, 'sig_ok')]);
      for (let i = 0; i < 3; i++) await rec.signals([signal(rec.sessionId, `sig_${i}`)]);
      expect(await rec.writes?.drain(60_000)).toBe(true);
      // (the batches are written in one statement; rows of one statement list by time range, then id)
      expect((await store.listSignals(rec.sessionId)).map((s) => s.id).sort()).toEqual([
        'sig_0',
        'sig_1',
        'sig_2',
        'sig_ok',
      ]);
      expect(rec.writes?.status()).toMatchObject({ rejectedRows: 1, droppedRows: 0 });
    } finally {
      await rec.close();
    }
  }, 90_000);
});
