import { TOPICS, TRANSCRIPTION_TOPIC } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import type { ClientLine } from '../test/replay/match.js';
import type { ProcTrack } from './proc-sampler.js';
import {
  addReconciliations,
  addTranscriptReconciliations,
  receivedIds,
  reconcile,
  reconcileTranscripts,
  rssGrowth,
  type StoredSegment,
  soakVerdict,
} from './soak-stats.js';

const sessionId = 'a1b2c3d4-0000-4000-8000-000000000001';
const hint = (id: string) =>
  JSON.stringify({
    v: 2,
    type: 'hint',
    id,
    sessionId,
    kind: 'long-pause',
    text: 'Pause of 9 s.',
    evidence: [],
    confidence: 0.8,
    source: 'rules',
    createdAt: 1,
  });
const line = (over: Partial<ClientLine>): ClientLine => ({
  event: 'message',
  t: 1,
  at: 1,
  to: 'interviewer',
  ...over,
});

describe('receivedIds', () => {
  it('collects hint ids and final transcript segments of one seat', () => {
    const lines = [
      line({ topic: TOPICS.AGENT_TO_INTERVIEWERS, text: hint('h-1') }),
      line({ topic: TOPICS.AGENT_TO_INTERVIEWERS, text: hint('h-2'), to: 'interviewer-2' }),
      line({ topic: TOPICS.AGENT_TO_INTERVIEWERS, text: 'not json' }),
      line({
        topic: TRANSCRIPTION_TOPIC,
        text: 'hello',
        attributes: { 'lk.segment_id': 's-1', 'lk.transcription_final': 'true' },
      }),
      line({
        topic: TRANSCRIPTION_TOPIC,
        text: 'hel',
        attributes: { 'lk.segment_id': 's-2', 'lk.transcription_final': 'false' },
      }),
      line({ event: 'sent', topic: TOPICS.AGENT_TO_INTERVIEWERS, text: hint('h-3') }),
    ];
    const got = receivedIds(lines);
    expect([...got.hints]).toEqual(['h-1']);
    expect([...got.transcripts]).toEqual(['s-1']);
    expect(got.signals.size).toBe(0);
  });
});

describe('reconcile', () => {
  it('counts what was received but not stored and stored but not received', () => {
    const r = reconcile(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd', 'e']));
    expect(r).toEqual({ received: 3, stored: 4, notStored: 1, notReceived: 2 });
    expect(addReconciliations([r, r])).toEqual({ received: 6, stored: 8, notStored: 2, notReceived: 4 });
    expect(addReconciliations([])).toEqual({ received: 0, stored: 0, notStored: 0, notReceived: 0 });
  });
  it('expects only the rows due to arrive, but finds a received id among all stored ones', () => {
    // 'c' was written in the client's last second and arrived; 'd' was written after it left
    const r = reconcile(new Set(['a', 'b', 'c']), new Set(['a', 'b', 'c', 'd']), new Set(['a', 'b']));
    expect(r).toEqual({ received: 3, stored: 4, notStored: 0, notReceived: 0 });
  });
});

describe('reconcileTranscripts', () => {
  const LEFT = Date.UTC(2026, 0, 1, 12, 10); // when the client stopped listening
  const seg = (
    id: string,
    createdAt: number,
    finalizedAt: number | null,
    status: StoredSegment['status'] = 'ok',
  ): StoredSegment => ({
    id,
    status,
    created_at: new Date(createdAt).toISOString(),
    finalized_at: finalizedAt === null ? null : new Date(finalizedAt),
  });
  const zero = { notStored: 0, notReceived: 0, finalizedAfterClientLeft: 0, failedNotReceived: 0 };
  it('expects a segment made final before the client left: not received, it is notReceived', () => {
    const stored = [seg('a', LEFT - 60_000, LEFT - 59_000), seg('b', LEFT - 30_000, LEFT - 5000)];
    expect(reconcileTranscripts(new Set(['a']), stored, LEFT)).toEqual({
      ...zero,
      received: 1,
      stored: 2,
      notReceived: 1,
    });
  });
  it('counts a segment made final after the client left apart, even when its row was written before', () => {
    const stored = [
      seg('a', LEFT - 60_000, LEFT - 59_000),
      // first written while the client listened, final only after it left (the recognizer was behind)
      seg('b', LEFT - 30_000, LEFT + 4000),
      seg('c', LEFT + 1000, LEFT + 1000),
      // final after the cut-off but received all the same (it was on its way): neither lost nor late
      seg('d', LEFT + 200, LEFT + 200),
    ];
    expect(reconcileTranscripts(new Set(['a', 'd', 'x']), stored, LEFT)).toEqual({
      ...zero,
      received: 3,
      stored: 4,
      notStored: 1,
      finalizedAfterClientLeft: 2,
    });
  });
  it('does not expect a segment given up as failed, but finds its empty final caption when one went out', () => {
    const stored = [
      seg('quiet', LEFT - 9000, LEFT - 8000, 'failed'), // no interim caption of it: nothing went out
      seg('closed', LEFT - 7000, LEFT - 6000, 'failed'), // its interim captions were closed empty
      seg('late', LEFT - 5000, LEFT + 3000, 'failed'),
    ];
    expect(reconcileTranscripts(new Set(['closed']), stored, LEFT)).toEqual({
      ...zero,
      received: 1,
      stored: 3,
      finalizedAfterClientLeft: 1,
      failedNotReceived: 1,
    });
  });
  it('dates a row stored without a finalisation time by when it was written', () => {
    const stored = [seg('old-before', LEFT - 1000, null), seg('old-after', LEFT + 1000, null)];
    expect(reconcileTranscripts(new Set(), stored, LEFT)).toMatchObject({
      notReceived: 1,
      finalizedAfterClientLeft: 1,
    });
  });
  it('adds up, with zeros for no room', () => {
    const r = {
      received: 3,
      stored: 4,
      notStored: 1,
      notReceived: 1,
      finalizedAfterClientLeft: 2,
      failedNotReceived: 3,
    };
    expect(addTranscriptReconciliations([r, r])).toEqual({
      received: 6,
      stored: 8,
      notStored: 2,
      notReceived: 2,
      finalizedAfterClientLeft: 4,
      failedNotReceived: 6,
    });
    expect(addTranscriptReconciliations([])).toEqual({ ...zero, received: 0, stored: 0 });
  });
});

describe('rssGrowth', () => {
  const MB = 1024 * 1024;
  const track = (pid: number, times: number[], rss: number[]): ProcTrack => ({
    pid,
    role: 'job',
    cmd: 'job',
    samples: times.map((t, i) => ({
      t,
      ticks: 0,
      rssBytes: (rss[i] as number) * MB,
      pssBytes: 0,
      privateBytes: 0,
    })),
  });
  it('compares the first and last readings of the span for processes alive through it', () => {
    const tracks = [
      track(1, [0, 10_000, 20_000, 30_000, 40_000], [300, 400, 450, 420, 900]),
      track(2, [15_000, 20_000, 30_000], [100, 120, 130]), // started inside the span
      track(3, [0, 10_000], [50, 55]), // ended inside the span
    ];
    expect(rssGrowth(tracks, 10_000, 30_000, 2_000, 5_000)).toEqual([
      { pid: 1, role: 'job', startMB: 400, endMB: 420, maxMB: 450, growthPercent: 5, slopeMBPerMin: 60 },
    ]);
  });
  it('takes the median of each end window, so one reading at a collection does not decide', () => {
    const times = Array.from({ length: 13 }, (_, i) => i * 10_000); // 0..120 s
    // flat at 400 MB with one spike at the start and one dip at the end
    const flat = track(1, times, [480, 400, 401, 399, 400, 400, 400, 401, 399, 400, 400, 401, 330]);
    const [g] = rssGrowth([flat], 0, 120_000, 2_000, 30_000);
    expect(g).toMatchObject({ startMB: 400.5, endMB: 400, maxMB: 480, growthPercent: -0.1 });
    // a steady leak of 1 MB per 10 s shows in both the growth and the slope
    const leak = track(
      2,
      times,
      times.map((t) => 400 + t / 10_000),
    );
    const [l] = rssGrowth([leak], 0, 120_000, 2_000, 30_000);
    expect(l).toMatchObject({ startMB: 401.5, endMB: 410.5, growthPercent: 2.2, slopeMBPerMin: 6 });
  });
});

describe('soakVerdict', () => {
  const none = { received: 5, stored: 5, notStored: 0, notReceived: 0 };
  const base = { worstGrowthPercent: 4, steady: true, failedRooms: 0, missed: 0, lost: { hints: none } };
  it('passes with growth under 10 % and nothing lost', () => {
    expect(soakVerdict(base)).toEqual({ pass: true, reasons: [] });
  });
  it('names every failed target', () => {
    const v = soakVerdict({
      ...base,
      worstGrowthPercent: 10,
      failedRooms: 1,
      missed: 2,
      lost: { hints: { ...none, notStored: 1 }, signals: { ...none, notReceived: 3 } },
    });
    expect(v.pass).toBe(false);
    expect(v.reasons).toEqual([
      '1 room(s) did not run',
      'a process grew by 10 % (target < 10 %)',
      '2 expected event(s) never arrived',
      '1 hints received but not stored',
      '3 signals stored as delivered but not received',
    ]);
    expect(soakVerdict({ ...base, steady: false, worstGrowthPercent: null }).pass).toBe(false);
  });
});
