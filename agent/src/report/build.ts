import type { Percentiles, SessionReport, SignalMessage, StageLatency } from '@interview-helper/protocol';

export type { Percentiles, SessionReport } from '@interview-helper/protocol';

import type { HintRow, ParticipantRow, TranscriptSegmentRow } from '@interview-helper/storage';

/** Signal kinds that arrive periodically; counted in the metrics, left out of the timeline. */
export const PERIODIC_KINDS: ReadonlySet<string> = new Set(['audio-level', 'video-frames']);

/** Everything a report is built from. */
export interface ReportInput {
  sessionId: string;
  generatedAt: number;
  participants: ParticipantRow[];
  signals: SignalMessage[];
  hints: HintRow[];
  transcript: TranscriptSegmentRow[];
  /** Latency of each processing stage, as the job measured it (absent: not measured). */
  stages?: StageLatency;
}

const iso = (t: Date | number) => new Date(t).toISOString();
const isoOrNull = (t: Date | null) => (t ? t.toISOString() : null);

/** Nearest-rank percentiles. */
export function percentiles(values: number[]): Percentiles {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
  return { n: sorted.length, p50: sorted.length ? at(0.5) : null, p95: sorted.length ? at(0.95) : null };
}

function count<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

const gap = (a: Date | null, b: Date | null) => (a && b ? [b.getTime() - a.getTime()] : []);

/** Builds the report with the deterministic summary (see {@link deterministicSummary}). */
export function buildReport(input: ReportInput): SessionReport {
  const signals = [...new Map(input.signals.map((s) => [s.id, s])).values()].sort(
    (a, b) => a.range.start - b.range.start,
  );
  const starts = [
    ...input.participants.map((p) => p.joinedAt.getTime()),
    ...signals.map((s) => s.range.start),
  ];
  const first = starts.length ? Math.min(...starts) : input.generatedAt;
  const feedback = {
    useful: input.hints.filter((h) => h.feedbackUseful === true).length,
    notUseful: input.hints.filter((h) => h.feedbackUseful === false).length,
    none: input.hints.filter((h) => h.feedbackUseful === null).length,
  };
  const report: Omit<SessionReport, 'summary'> = {
    version: 1,
    sessionId: input.sessionId,
    generatedAt: iso(input.generatedAt),
    participants: input.participants.map((p) => ({
      identity: p.identity,
      role: p.role,
      name: p.name,
      joinedAt: iso(p.joinedAt),
      leftAt: isoOrNull(p.leftAt),
    })),
    timeline: signals
      .filter((s) => !PERIODIC_KINDS.has(s.kind))
      .slice(0, 5000)
      .map((s) => ({
        id: s.id,
        start: iso(s.range.start),
        end: iso(s.range.end),
        kind: s.kind,
        analyser: s.analyser,
        summary: s.summary,
      })),
    metrics: {
      durationSeconds: Math.max(0, Math.round((input.generatedAt - first) / 1000)),
      signalCounts: count(signals, (s) => s.kind),
      hints: {
        total: input.hints.length,
        bySource: count(input.hints, (h) => h.source),
        byKind: count(input.hints, (h) => h.kind),
        merged: input.hints.reduce((n, h) => n + h.mergedCount, 0),
        dropped: input.hints.filter((h) => h.recipients.length === 0 && h.drops.length > 0).length,
      },
      delivery: {
        triggerToPublishedMs: percentiles(input.hints.flatMap((h) => gap(h.triggerAt, h.publishedAt))),
        decidedToPublishedMs: percentiles(input.hints.flatMap((h) => gap(h.decidedAt, h.publishedAt))),
        firstTokenToPublishedMs: percentiles(
          input.hints.flatMap((h) => gap(h.llmFirstTokenAt, h.publishedAt)),
        ),
      },
      feedback,
      ...(input.stages ? { processing: input.stages } : {}),
    },
    transcript: input.transcript
      .filter((t) => t.status === 'ok' && t.final)
      .map((t) => ({
        speaker: t.speakerIdentity,
        role: t.speakerRole,
        text: t.text,
        start: iso(t.startAt),
        end: iso(t.endAt),
      })),
    hints: input.hints.map((h) => ({
      id: h.id,
      kind: h.kind,
      text: h.text,
      source: h.source,
      evidence: h.evidence,
      confidence: h.confidence,
      triggerAt: isoOrNull(h.triggerAt),
      decidedAt: isoOrNull(h.decidedAt),
      llmFirstTokenAt: isoOrNull(h.llmFirstTokenAt),
      publishedAt: isoOrNull(h.publishedAt),
      recipients: h.recipients,
      mergedCount: h.mergedCount,
      why: h.why,
      drops: h.drops.map((d) => ({ identity: d.identity, reason: d.reason, at: iso(d.at) })),
      feedback:
        h.feedbackUseful === null
          ? null
          : { useful: h.feedbackUseful, at: iso(h.feedbackAt ?? input.generatedAt) },
    })),
  };
  return { ...report, summary: { source: 'rules', text: deterministicSummary(report) } };
}

/** A plain summary from the report's numbers: observable facts only, the same input gives the same text. */
export function deterministicSummary(r: Omit<SessionReport, 'summary'>): string {
  const minutes = Math.round(r.metrics.durationSeconds / 6) / 10;
  const observed = Object.entries(r.metrics.signalCounts)
    .filter(([kind]) => !PERIODIC_KINDS.has(kind))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 5)
    .map(([kind, n]) => `${kind} ×${n}`);
  const h = r.metrics.hints;
  const f = r.metrics.feedback;
  const d = r.metrics.delivery.triggerToPublishedMs;
  return [
    `Session of ${minutes} min with ${r.participants.length} participant stays.`,
    observed.length ? `Observed: ${observed.join(', ')}.` : 'No notable observations.',
    `${h.total} hints (${h.bySource.rules ?? 0} rule-based, ${h.bySource.llm ?? 0} LLM), ${h.merged} near-duplicates merged.`,
    h.dropped
      ? `${h.dropped} ${h.dropped === 1 ? 'hint was' : 'hints were'} dropped unsent (no longer valid when they could be shown).`
      : '',
    `Feedback: ${f.useful} useful, ${f.notUseful} not useful, ${f.none} without feedback.`,
    d.n ? `Hint delivery from trigger: p50 ${d.p50} ms, p95 ${d.p95} ms.` : '',
    `${r.transcript.length} final transcript segments.`,
  ]
    .filter(Boolean)
    .join(' ');
}
