import { TOPICS, TRANSCRIPTION_TOPIC } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import type { ClientLine } from '../test/replay/match.js';
import type { ProcTrack } from './proc-sampler.js';
import { addReconciliations, receivedIds, reconcile, rssGrowth, soakVerdict } from './soak-stats.js';

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
    expect(rssGrowth(tracks, 10_000, 30_000, 2_000)).toEqual([
      { pid: 1, role: 'job', startMB: 400, endMB: 420, maxMB: 450, growthPercent: 5 },
    ]);
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
