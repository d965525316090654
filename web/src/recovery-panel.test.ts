import {
  type AnalysisStatusMessage,
  analysisStatusFromRoomMetadata,
  decodeAgentMessage,
  encodeAgentMessage,
  exampleSignal,
  PROTOCOL_VERSION,
  type SignalValues,
  type StorageStatus,
  withAnalysisStatus,
} from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import {
  analysisNotice,
  audioGapUpdate,
  type StorageUpdate,
  storageNotice,
  storageUpdate,
} from './recovery-panel.js';

const unavailable: AnalysisStatusMessage = {
  v: PROTOCOL_VERSION,
  type: 'analysis-status',
  sessionId: 'session-1',
  status: 'unavailable',
  reason: 'no-agent',
  attempts: 4,
  since: 1763700000000,
  at: 1763700050000,
  text: 'Analysis unavailable: no analysis agent could join this interview.',
};

/** As the interviewer's client receives it: encoded by the sender, validated on decoding. */
const received = (m: Parameters<typeof encodeAgentMessage>[0]) => {
  const decoded = decodeAgentMessage(encodeAgentMessage(m).bytes);
  if (!decoded.ok) throw new Error(decoded.error.detail);
  return decoded.message;
};

describe('analysis status notice', () => {
  it('says analysis is unavailable, with the server text and the attempts', () => {
    const notice = analysisNotice(received(unavailable));
    expect(notice).toMatchObject({ state: 'unavailable', title: 'Analysis unavailable' });
    expect(notice?.detail).toContain('no analysis agent could join');
    expect(notice?.detail).toContain('4 restart attempts');
  });

  it('names the gap of a resumed session, and says nothing for available or other messages', () => {
    const gap = received(exampleSignal('analysis-gap', { seconds: 7.5 }));
    expect(analysisNotice(gap)).toMatchObject({ state: 'resumed', title: 'Analysis resumed' });
    expect(analysisNotice(gap)?.detail).toContain('(7.5 s)');
    expect(analysisNotice(received({ ...unavailable, status: 'available' }))).toBeUndefined();
    expect(analysisNotice(received(exampleSignal('audio-level')))).toBeUndefined();
  });

  it('reads the status kept in the room metadata, keeping other keys and ignoring foreign metadata', () => {
    const metadata = withAnalysisStatus(JSON.stringify({ other: 1 }), unavailable);
    expect(JSON.parse(metadata).other).toBe(1);
    expect(analysisStatusFromRoomMetadata(metadata)).toEqual(unavailable);
    expect(analysisStatusFromRoomMetadata('not json')).toBeUndefined();
    expect(
      analysisStatusFromRoomMetadata(JSON.stringify({ 'interview-helper.analysis': { v: 1 } })),
    ).toBeUndefined();
    expect(analysisStatusFromRoomMetadata(withAnalysisStatus('not json', unavailable))).toEqual(unavailable);
  });
});

const T0 = 1763700000000;
const storage = (s: Partial<StorageStatus>): StorageStatus => ({
  state: 'ok',
  since: T0,
  pendingRows: 0,
  spilledRows: 0,
  maxRows: 10_000,
  appliedRows: 120,
  droppedRows: 0,
  rejectedRows: 0,
  ...s,
});
const stats = (s: Partial<StorageStatus>, at = T0) =>
  received({
    v: PROTOCOL_VERSION,
    type: 'stats',
    sessionId: 'session-1',
    at,
    candidate: 'cand',
    invalidSignals: 0,
    analysers: [],
    storage: storage(s),
  });

describe('storage status line', () => {
  it('says nothing while records reach the database', () => {
    expect(storageNotice(undefined)).toBeUndefined();
    expect(storageUpdate(stats({}), false)).toEqual({ notice: undefined, degraded: false });
    // a few records in flight are normal
    expect(storageUpdate(stats({ pendingRows: 3 }), false)?.notice).toBeUndefined();
    // other messages say nothing about storage
    expect(storageUpdate(received(exampleSignal('audio-level')), true)).toBeUndefined();
  });

  it('follows an outage from buffered records to a full buffer, the recovery and the flush', () => {
    const seen: StorageUpdate[] = [];
    let degraded = false;
    const step = (m: ReturnType<typeof received>) => {
      const next = storageUpdate(m, degraded);
      if (!next) throw new Error('no storage update');
      degraded = next.degraded;
      seen.push(next);
      return next.notice;
    };
    const retrying = step(stats({ state: 'retrying', pendingRows: 42 }));
    expect(retrying).toMatchObject({ state: 'retrying', title: 'Storage unavailable' });
    expect(retrying?.detail).toContain('42 records wait');
    expect(retrying?.detail).toContain('None lost');

    const full = step(
      received(
        exampleSignal('storage-degraded', {
          phase: 'start',
          pendingRows: 10_000,
          spilledRows: 12,
          maxRows: 10_000,
        }),
      ),
    );
    expect(full).toMatchObject({ state: 'full', title: 'Storage buffer full' });
    expect(full?.detail).toContain('10000 records waiting, 12 of them on the assistant');

    const dropping = step(stats({ state: 'full', pendingRows: 10_000, spilledRows: 400, droppedRows: 7 }));
    expect(dropping).toMatchObject({ state: 'full', title: 'Storage buffer full: records dropped' });
    expect(dropping?.detail).toContain('7 records could not be kept and are lost');

    const back = step(
      received(exampleSignal('storage-degraded', { phase: 'end', durationMs: 62_000, droppedRows: 7 })),
    );
    expect(back).toMatchObject({ state: 'recovering', title: 'Storage reachable again' });
    expect(back?.detail).toContain('after 62 s');

    const flushing = step(stats({ pendingRows: 5_000, droppedRows: 7 }));
    expect(flushing).toMatchObject({ state: 'recovering' });
    expect(flushing?.detail).toContain('5000 records kept during the outage are being written');

    const done = step(
      stats({ droppedRows: 7, lastRecovery: { outageMs: 63_400, rows: 10_407, flushMs: 1_250 } }),
    );
    expect(done).toMatchObject({ state: 'recovered', title: 'Storage recovered' });
    expect(done?.detail).toContain('unreachable for 63.4 s');
    expect(done?.detail).toContain('10407 records kept meanwhile were written in 1.3 s');
    expect(done?.detail).toContain('7 records could not be kept');
    expect(seen.map((u) => u.degraded)).toEqual([true, true, true, true, true, false]);

    // records in flight after the recovery are not a new outage
    const later = step(
      stats({ pendingRows: 2, lastRecovery: { outageMs: 63_400, rows: 10_407, flushMs: 1_250 } }),
    );
    expect(later).toMatchObject({ state: 'recovered' });
    expect(later?.detail).toContain('Nothing was lost');
  });

  it('tells a late joiner of an outage that already ended', () => {
    const notice = storageNotice(storage({ lastRecovery: { outageMs: 60_000, rows: 1, flushMs: 80 } }));
    expect(notice).toMatchObject({ state: 'recovered' });
    expect(notice?.detail).toContain('the 1 record kept meanwhile');
  });
});

describe('audio gap notice', () => {
  it('names the latest stretch and adds up the candidate audio not analysed, per reason', () => {
    const gap = (values: Partial<SignalValues<'audio-gap'>>) =>
      received(exampleSignal('audio-gap', values, 1763700010000));
    const first = audioGapUpdate(gap({ seconds: 2.4, gaps: 1, totalSeconds: 2.4 }), new Map());
    expect(first?.notice).toMatchObject({ state: 'gaps', title: 'Audio not fully analysed' });
    expect(first?.notice.detail).toContain("2.4 s of the candidate's audio between");
    expect(first?.notice.detail).toContain('never reached the assistant');
    expect(first?.notice.detail).toContain("2.4 s of the candidate's audio in this interview so far");
    const second = audioGapUpdate(
      gap({ reason: 'skipped', seconds: 5, gaps: 3, totalSeconds: 5 }),
      first?.totals ?? new Map(),
    );
    expect(second?.notice.detail).toContain("5 s of the candidate's audio in 3 stretches");
    expect(second?.notice.detail).toContain('skipped it to catch up');
    expect(second?.notice.detail).toContain("7.4 s of the candidate's audio in this interview so far");
    // an interviewer's gap is named but not added to the candidate's total
    const third = audioGapUpdate(
      gap({ speaker: 'interviewer', seconds: 1, totalSeconds: 1 }),
      second?.totals ?? new Map(),
    );
    expect(third?.notice.detail).toContain("1 s of an interviewer's audio");
    expect(third?.notice.detail).toContain('7.4 s of the candidate');
    expect(audioGapUpdate(received(exampleSignal('audio-level')), new Map())).toBeUndefined();
  });
});
