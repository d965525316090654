import {
  decodeAgentMessage,
  TOPICS,
  TRANSCRIPT_SPEAKER_ATTRIBUTES,
  TRANSCRIPTION_TOPIC,
} from '@interview-helper/protocol';
import {
  DEFAULT_PRIORITY,
  type Expected,
  type ExpectedEvent,
  type ForbiddenEvent,
  resolveTime,
  type Timeline,
} from './scenario.js';

/** One line the client wrote. */
export interface ClientLine {
  event: string;
  t: number;
  at: number;
  to?: Received['to'];
  topic?: string;
  text?: string;
  attributes?: Record<string, string>;
  [key: string]: unknown;
}

/** A message a seat received, classified. */
export interface Received {
  t: number;
  to: 'interviewer' | 'candidate' | 'interviewer-2';
  type: 'signal' | 'hint' | 'conduct' | 'stats' | 'transcript' | 'plan' | 'coverage' | 'invalid' | 'other';
  /** Coverage messages: each plan item's status. */
  coverage?: Record<string, string>;
  kind?: string;
  phase?: string;
  text?: string;
  speaker?: string;
  id?: string;
}

/** Classifies the client's message lines (agent protocol messages, transcription streams). */
export function classify(lines: ClientLine[]): Received[] {
  const out: Received[] = [];
  for (const l of lines) {
    if (l.event !== 'message' || !l.to) continue;
    const base = { t: l.t, to: l.to };
    if (l.topic === TOPICS.AGENT_TO_INTERVIEWERS) {
      const r = decodeAgentMessage(l.text ?? '');
      if (!r.ok) {
        out.push({ ...base, type: 'invalid', text: r.error.detail });
        continue;
      }
      const m = r.message;
      if (m.type === 'signal') {
        const phase = 'phase' in m.values ? m.values.phase : undefined;
        out.push({
          ...base,
          type: 'signal',
          kind: m.kind,
          id: m.id,
          text: m.summary,
          ...(phase ? { phase } : {}),
        });
      } else if (m.type === 'hint') out.push({ ...base, type: 'hint', kind: m.kind, id: m.id, text: m.text });
      else if (m.type === 'conduct')
        out.push({ ...base, type: 'conduct', kind: m.kind, id: m.id, text: `${m.text} ${m.rephrase ?? ''}` });
      else if (m.type === 'coverage')
        out.push({
          ...base,
          type: 'coverage',
          coverage: Object.fromEntries(m.items.map((i) => [i.id, i.status])),
        });
      else if (m.type === 'plan') out.push({ ...base, type: 'plan', text: `revision ${m.revision}` });
      else out.push({ ...base, type: 'stats' });
    } else if (l.topic === TRANSCRIPTION_TOPIC) {
      const speaker = l.attributes?.[TRANSCRIPT_SPEAKER_ATTRIBUTES.ROLE];
      out.push({ ...base, type: 'transcript', text: l.text ?? '', ...(speaker ? { speaker } : {}) });
    } else out.push({ ...base, type: 'other', text: l.topic });
  }
  return out.sort((a, b) => a.t - b.t);
}

const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];

function matches(e: ExpectedEvent | ForbiddenEvent, r: Received): boolean {
  if (r.to !== e.to) return false;
  if (e.type === 'any') return ['signal', 'hint', 'conduct', 'stats', 'plan', 'coverage'].includes(r.type);
  if (r.type !== e.type || (e.kind !== undefined && r.kind !== e.kind)) return false;
  if ('phase' in e && e.phase !== undefined && r.phase !== e.phase) return false;
  if ('speaker' in e && e.speaker !== undefined && r.speaker !== e.speaker) return false;
  if ('item' in e && e.item !== undefined) {
    const status = r.coverage?.[e.item];
    const need = e.status ?? 'asked';
    if (status !== need && !(need === 'asked' && status === 'answered')) return false;
  }
  if ('text' in e && e.text) {
    const have = new Set(words(r.text ?? ''));
    const options = Array.isArray(e.text) ? e.text : [e.text];
    if (!options.some((option) => words(option).every((w) => have.has(w)))) return false;
  }
  return true;
}

export type Verdict = 'pass' | 'late' | 'early' | 'missing';

/** The outcome for one expected event. */
export interface EventResult {
  name: string;
  type: ExpectedEvent['type'];
  kind?: string;
  window: { fromMs: number; toMs: number };
  triggerMs: number;
  /** Arrival (ms since t0) of the matched event, if any. */
  receivedMs?: number;
  latencyMs?: number;
  verdict: Verdict;
  /**
   * When the hint is late or missing: the less urgent hints delivered to the same seat from `holdLookbackMs` before
   * its trigger until its arrival (or its window's end), which may have held it back.
   */
  heldBehind?: { kind: string; t: number }[];
}

/** The outcome of one run of a scenario. */
export interface RunResult {
  pass: boolean;
  events: EventResult[];
  forbidden: { name: string; t: number; kind?: string; text?: string }[];
  /** Hints of an expected kind delivered, while the media played, outside every window for that kind. */
  outsideWindow: { kind: string; t: number }[];
  /** Hints of kinds the scenario neither expects nor forbids (for information). */
  otherHints: { kind: string; t: number }[];
  invalid: number;
}

const nameOf = (e: ExpectedEvent | ForbiddenEvent) =>
  e.name ?? [e.type, e.kind, 'phase' in e ? e.phase : undefined].filter(Boolean).join(' ');

/** Matches what was received against `expected`: each received event satisfies at most one expectation. */
export function evaluate(expected: Expected, received: Received[], timeline: Timeline): RunResult {
  const used = new Set<Received>();
  const priority = expected.priority ?? DEFAULT_PRIORITY;
  const lookback = expected.holdLookbackMs;
  const rank = (kind: string) => {
    const i = priority.indexOf(kind);
    return i < 0 ? priority.length : i;
  };
  const resolved = expected.events.map((e, i) => {
    const where = `expected.json events[${i}]`;
    const window = {
      fromMs: resolveTime(e.window.fromMs, timeline, where),
      toMs: resolveTime(e.window.toMs, timeline, where),
    };
    const triggerMs = e.triggerMs === undefined ? window.fromMs : resolveTime(e.triggerMs, timeline, where);
    return { e, window, triggerMs };
  });
  const order = [...resolved].sort((a, b) => a.window.fromMs - b.window.fromMs);
  // First every expectation takes the earliest matching event inside its window; only then do the unserved ones
  // take a late (or else early) event, so a late one never steals the event of the next window.
  const hits = new Map<(typeof resolved)[number], { r: Received; verdict: Verdict }>();
  for (const x of order) {
    const inside = received.find(
      (r) => !used.has(r) && matches(x.e, r) && r.t >= x.window.fromMs && r.t <= x.window.toMs,
    );
    if (inside) {
      used.add(inside);
      hits.set(x, { r: inside, verdict: 'pass' });
    }
  }
  const reach = expected.matchWithinMs ?? Infinity;
  for (const x of order) {
    if (hits.has(x)) continue;
    const candidates = received.filter(
      (r) =>
        !used.has(r) && matches(x.e, r) && r.t >= x.window.fromMs - reach && r.t <= x.window.toMs + reach,
    );
    const late = candidates.find((r) => r.t > x.window.toMs);
    const early = candidates.find((r) => r.t < x.window.fromMs);
    const r = late ?? early;
    if (r) {
      used.add(r);
      hits.set(x, { r, verdict: late ? 'late' : 'early' });
    }
  }
  const results = new Map<(typeof resolved)[number], EventResult>();
  for (const x of order) {
    const hit = hits.get(x)?.r;
    const verdict: Verdict = hits.get(x)?.verdict ?? 'missing';
    const result: EventResult = {
      name: nameOf(x.e),
      type: x.e.type,
      ...(x.e.kind ? { kind: x.e.kind } : {}),
      window: x.window,
      triggerMs: x.triggerMs,
      verdict,
      ...(hit ? { receivedMs: Math.round(hit.t), latencyMs: Math.round(hit.t - x.triggerMs) } : {}),
    };
    if (x.e.type === 'hint' && x.e.kind && (verdict === 'late' || verdict === 'missing')) {
      const until = verdict === 'late' && hit ? hit.t : x.window.toMs;
      const own = rank(x.e.kind);
      const from = x.triggerMs - lookback;
      result.heldBehind = received
        .filter((r) => r.type === 'hint' && r.to === x.e.to && r.t >= from && r.t < until)
        .filter((r) => rank(r.kind ?? '') > own)
        .map((r) => ({ kind: r.kind ?? '', t: Math.round(r.t) }));
    }
    results.set(x, result);
  }
  const events = resolved.map((x) => results.get(x) as EventResult);

  const forbidden = expected.forbidden.flatMap((f, i) => {
    const where = `expected.json forbidden[${i}]`;
    const from = f.window ? resolveTime(f.window.fromMs, timeline, where) : -Infinity;
    const to = f.window ? resolveTime(f.window.toMs, timeline, where) : Infinity;
    return received
      .filter((r) => r.t >= from && r.t <= to && matches(f, r))
      .map((r) => ({
        name: nameOf(f),
        t: Math.round(r.t),
        ...(r.kind ? { kind: r.kind } : {}),
        ...(r.text ? { text: r.text.slice(0, 160) } : {}),
      }));
  });

  const mediaEnd = timeline.media?.end ?? Infinity;
  const expectedKinds = new Set(
    expected.events.flatMap((e) => (e.type === 'hint' && e.kind ? [e.kind] : [])),
  );
  const forbiddenKinds = new Set(
    expected.forbidden.flatMap((f) => (f.type === 'hint' && f.kind ? [f.kind] : [])),
  );
  const hints = received.filter((r) => r.type === 'hint' && r.to === 'interviewer');
  const outsideWindow = hints
    .filter((r) => expectedKinds.has(r.kind ?? '') && r.t <= mediaEnd)
    .filter(
      (r) =>
        !resolved.some(
          (x) => x.e.kind === r.kind && x.e.type === 'hint' && r.t >= x.window.fromMs && r.t <= x.window.toMs,
        ),
    )
    .map((r) => ({ kind: r.kind ?? '', t: Math.round(r.t) }));
  const otherHints = hints
    .filter((r) => !expectedKinds.has(r.kind ?? '') && !forbiddenKinds.has(r.kind ?? ''))
    .map((r) => ({ kind: r.kind ?? '', t: Math.round(r.t) }));
  const invalid = received.filter((r) => r.type === 'invalid').length;
  const pass =
    events.every((e) => e.verdict === 'pass') &&
    forbidden.length === 0 &&
    outsideWindow.length === 0 &&
    invalid === 0;
  return { pass, events, forbidden, outsideWindow, otherHints, invalid };
}

const sec = (ms: number | undefined) => (ms === undefined ? '—' : (ms / 1000).toFixed(1));

/** The result as a text table (expected, window, received, latency, verdict) with the problems below it. */
export function formatTable(scenario: string, r: RunResult): string {
  const rows = r.events.map((e) => [
    e.name,
    `${sec(e.window.fromMs)}–${sec(e.window.toMs)} s`,
    e.receivedMs === undefined ? '—' : `${sec(e.receivedMs)} s`,
    e.latencyMs === undefined ? '—' : `${e.latencyMs} ms`,
    e.verdict.toUpperCase() +
      (e.heldBehind?.length ? ` (after ${e.heldBehind.map((h) => h.kind).join(', ')})` : ''),
  ]);
  const head = ['expected', 'window', 'received', 'latency', 'verdict'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  const out = [
    `${scenario}: ${r.pass ? 'PASS' : 'FAIL'}`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  for (const f of r.forbidden)
    out.push(`  forbidden: ${f.name} at ${sec(f.t)} s${f.kind ? ` (${f.kind})` : ''}`);
  for (const o of r.outsideWindow) out.push(`  outside its window: ${o.kind} hint at ${sec(o.t)} s`);
  if (r.invalid) out.push(`  ${r.invalid} invalid agent message(s)`);
  if (r.otherHints.length)
    out.push(`  other hints: ${r.otherHints.map((h) => `${h.kind}@${sec(h.t)}s`).join(', ')}`);
  return out.join('\n');
}
