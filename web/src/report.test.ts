import { describe, expect, it } from 'vitest';
import { fetchReport, metricRows, type SessionReport } from './report.js';

const none = { n: 0, p50: null, p95: null };
const report: SessionReport = {
  version: 1,
  sessionId: 's1',
  generatedAt: '2026-01-01T00:00:00.000Z',
  participants: [],
  timeline: [],
  metrics: {
    durationSeconds: 125.4,
    signalCounts: { 'audio-level': 10, silence: 2 },
    hints: { total: 3, bySource: { rules: 3 }, byKind: { 'long-pause': 3 }, merged: 0 },
    delivery: { triggerToPublishedMs: none, decidedToPublishedMs: none, firstTokenToPublishedMs: none },
    feedback: { useful: 1, notUseful: 0, none: 2 },
  },
  transcript: [
    {
      speaker: 'c',
      role: 'candidate',
      text: 'hi',
      start: '2026-01-01T00:00:01.000Z',
      end: '2026-01-01T00:00:02.000Z',
    },
  ],
  hints: [],
  summary: { source: 'rules', text: 'ok' },
};

/** A real HTTP answer, as the token server would give it. */
const answer = (status: number, body: unknown) => async () =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('fetchReport', () => {
  it('returns the report', async () => {
    await expect(fetchReport('s1', 'inv', answer(200, report))).resolves.toEqual({ ok: true, report });
  });
  it('refuses a body that is not a session report', async () => {
    const bad = await fetchReport('s1', 'inv', answer(200, { ...report, timeline: 'nope' }));
    expect(bad).toMatchObject({ ok: false, code: 'invalid_report', retry: false });
  });
  it('retries while the report is not written, stops on refused credentials', async () => {
    const missing = await fetchReport(
      's1',
      'inv',
      answer(404, { error: { code: 'not_found', message: 'no report yet' } }),
    );
    expect(missing).toMatchObject({ ok: false, code: 'not_found', retry: true });
    const refused = await fetchReport(
      's1',
      'x',
      answer(401, { error: { code: 'unauthorized', message: 'no' } }),
    );
    expect(refused).toMatchObject({ ok: false, code: 'unauthorized', retry: false });
  });
  it('reports an unreachable server as retryable', async () => {
    const down = await fetchReport('s1', 'inv', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(down).toMatchObject({ ok: false, code: 'server_unreachable', retry: true });
  });
});

describe('metricRows', () => {
  it('summarises duration, hints, feedback, signals and transcript', () => {
    expect(Object.fromEntries(metricRows(report))).toEqual({
      Duration: '2 min 5 s',
      Hints: '3 (rules 3)',
      Feedback: '1 useful, 0 not useful, 2 none',
      Signals: 'audio-level 10, silence 2',
      Transcript: '1 segments',
    });
  });
});
