import {
  exampleSignal,
  type SignalKind,
  type SignalMessage,
  sessionReportSchema,
} from '@interview-helper/protocol';
import type { HintRow } from '@interview-helper/storage';
import { describe, expect, it } from 'vitest';
import { emotionLabelIn } from '../language.js';
import { buildReport, percentiles } from './build.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const sig = (id: string, kind: SignalKind, start: number): SignalMessage =>
  exampleSignal(kind, {}, start + 1000, {
    id,
    sessionId: 's1',
    analyser: 'a',
    range: { start, end: start + 1000 },
    summary: `${kind} at ${start}`,
  });
const hint = (id: string, over: Partial<HintRow> = {}): HintRow => ({
  id,
  sessionId: 's1',
  kind: 'long-pause',
  text: 'No speech for 8 s.',
  evidence: ['sig_p'],
  confidence: 0.9,
  source: 'rules',
  createdAt: new Date(T0 + 9000),
  triggerSignalId: 'sig_p',
  triggerAt: new Date(T0 + 8000),
  decidedAt: new Date(T0 + 8010),
  llmFirstTokenAt: null,
  publishedAt: new Date(T0 + 8100),
  recipients: ['ivy'],
  mergedCount: 0,
  why: null,
  drops: [],
  feedbackUseful: null,
  feedbackAt: null,
  ...over,
});

describe('buildReport', () => {
  const input = {
    sessionId: 's1',
    generatedAt: T0 + 600_000,
    participants: [
      {
        id: 1,
        sessionId: 's1',
        identity: 'ivy',
        role: 'interviewer' as const,
        name: 'Ivy',
        joinedAt: new Date(T0),
        leftAt: null,
      },
    ],
    signals: [
      sig('sig_l', 'audio-level', T0 + 1000),
      sig('sig_p', 'long-pause', T0 + 2000),
      sig('sig_p', 'long-pause', T0 + 2000),
    ],
    hints: [
      hint('h1', { feedbackUseful: true, feedbackAt: new Date(T0 + 20_000), mergedCount: 2 }),
      hint('h2', {
        source: 'llm',
        llmFirstTokenAt: new Date(T0 + 8050),
        publishedAt: new Date(T0 + 8400),
        feedbackUseful: false,
      }),
      hint('h3', {
        publishedAt: null,
        recipients: [],
        drops: [{ identity: 'ivy', reason: 'expired', at: T0 + 20_000 }],
      }),
    ],
    transcript: [
      {
        id: 't1',
        sessionId: 's1',
        speakerIdentity: 'ivy',
        speakerRole: 'interviewer' as const,
        text: 'Why?',
        startAt: new Date(T0),
        endAt: new Date(T0 + 500),
        final: true,
        status: 'ok' as const,
        createdAt: new Date(T0),
        finalizedAt: new Date(T0 + 600),
      },
      {
        id: 't2',
        sessionId: 's1',
        speakerIdentity: 'c',
        speakerRole: 'candidate' as const,
        text: '',
        startAt: new Date(T0),
        endAt: new Date(T0 + 500),
        final: true,
        status: 'failed' as const,
        createdAt: new Date(T0),
        finalizedAt: new Date(T0 + 600),
      },
    ],
  };

  it('has the timeline, delivery metrics, transcript and hints with feedback', () => {
    const r = buildReport(input);
    // what the web client validates at its boundary
    expect(sessionReportSchema.safeParse(r).success).toBe(true);
    expect(r.timeline.map((e) => e.id)).toEqual(['sig_p']); // periodic kinds and repeats left out
    expect(r.metrics.signalCounts).toEqual({ 'audio-level': 1, 'long-pause': 1 });
    expect(r.metrics.durationSeconds).toBe(600);
    expect(r.metrics.hints).toEqual({
      total: 3,
      bySource: { rules: 2, llm: 1 },
      byKind: { 'long-pause': 3 },
      merged: 2,
      dropped: 1,
    });
    expect(r.metrics.delivery.triggerToPublishedMs).toEqual({ n: 2, p50: 100, p95: 400 });
    expect(r.metrics.delivery.firstTokenToPublishedMs).toEqual({ n: 1, p50: 350, p95: 350 });
    expect(r.metrics.feedback).toEqual({ useful: 1, notUseful: 1, none: 1 });
    expect(r.transcript).toEqual([
      {
        speaker: 'ivy',
        role: 'interviewer',
        text: 'Why?',
        start: new Date(T0).toISOString(),
        end: new Date(T0 + 500).toISOString(),
      },
    ]);
    expect(r.hints[0]?.feedback).toEqual({ useful: true, at: new Date(T0 + 20_000).toISOString() });
    expect(r.hints[2]?.publishedAt).toBeNull();
    expect(r.hints[2]?.drops).toEqual([
      { identity: 'ivy', reason: 'expired', at: new Date(T0 + 20_000).toISOString() },
    ]);
  });

  it('carries the latency of each processing stage when the job measured it (absent otherwise)', () => {
    const p = (n: number, p50: number, p95: number) => ({ n, p50, p95 });
    const stages = {
      analysers: { vad: { processingMs: p(900, 0.4, 1.2), lagMs: p(900, 12, 30) } },
      sttMs: p(4, 900, 1700),
      hintMs: p(2, 150, 400),
      hintMsByTrigger: { 'long-pause': p(2, 150, 400) },
    };
    const r = buildReport({ ...input, stages });
    expect(sessionReportSchema.parse(r).metrics.processing).toEqual(stages);
    const without = buildReport(input);
    expect(without.metrics).not.toHaveProperty('processing');
    expect(sessionReportSchema.safeParse(without).success).toBe(true);
  });

  it('writes a deterministic summary of observable facts', () => {
    const a = buildReport(input);
    const b = buildReport(structuredClone(input));
    expect(a.summary).toEqual(b.summary);
    expect(a.summary.source).toBe('rules');
    expect(a.summary.text).toContain('3 hints (2 rule-based, 1 LLM), 2 near-duplicates merged.');
    expect(a.summary.text).toContain('Observed: long-pause ×1.');
    expect(a.summary.text).toContain('1 hint was dropped unsent');
    expect(emotionLabelIn(a.summary.text)).toBeUndefined();
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentiles([])).toEqual({ n: 0, p50: null, p95: null });
    expect(percentiles([5, 1, 3, 2, 4])).toEqual({ n: 5, p50: 3, p95: 5 });
  });
});
