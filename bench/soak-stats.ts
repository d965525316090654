/**
 * Pure arithmetic of the soak benchmark: what an interviewer received versus what the database kept, and how
 * each process's resident memory grew over the run.
 */
import {
  decodeAgentMessage,
  TOPICS,
  TRANSCRIPTION_ATTRIBUTES,
  TRANSCRIPTION_TOPIC,
} from '@interview-helper/protocol';
import { median } from '../agent/src/audio/pcm.js';
import type { ClientLine } from '../test/replay/match.js';
import { growthPercent } from './density-stats.js';
import type { ProcTrack } from './proc-sampler.js';

/** Ids of what reached one interviewer seat. */
export interface ReceivedIds {
  signals: Set<string>;
  hints: Set<string>;
  /** Final transcript segments (`lk.segment_id` of streams marked final). */
  transcripts: Set<string>;
}

/** The ids of the signals, hints and final transcript segments the interviewer (`to`) received. */
export function receivedIds(lines: readonly ClientLine[], to = 'interviewer'): ReceivedIds {
  const out: ReceivedIds = { signals: new Set(), hints: new Set(), transcripts: new Set() };
  for (const l of lines) {
    if (l.event !== 'message' || l.to !== to) continue;
    if (l.topic === TOPICS.AGENT_TO_INTERVIEWERS) {
      const r = decodeAgentMessage(l.text ?? '');
      if (!r.ok) continue;
      if (r.message.type === 'signal') out.signals.add(r.message.id);
      else if (r.message.type === 'hint') out.hints.add(r.message.id);
    } else if (l.topic === TRANSCRIPTION_TOPIC) {
      const id = l.attributes?.[TRANSCRIPTION_ATTRIBUTES.SEGMENT_ID];
      if (id && l.attributes?.[TRANSCRIPTION_ATTRIBUTES.FINAL] === 'true') out.transcripts.add(id);
    }
  }
  return out;
}

/** Received and stored ids of one kind, compared. */
export interface Reconciliation {
  received: number;
  stored: number;
  /** Received by the interviewer but not in the database. */
  notStored: number;
  /** In the database as delivered to the interviewer, but never received. */
  notReceived: number;
}

/**
 * Compares what was received with what was stored (each counted once). `due` is the part of `stored` that had to
 * arrive (written while the client listened); a received id counts as stored if it is anywhere in `stored`.
 */
export function reconcile(
  received: ReadonlySet<string>,
  stored: ReadonlySet<string>,
  due: ReadonlySet<string> = stored,
): Reconciliation {
  let notStored = 0;
  for (const id of received) if (!stored.has(id)) notStored++;
  let notReceived = 0;
  for (const id of due) if (!received.has(id)) notReceived++;
  return { received: received.size, stored: stored.size, notStored, notReceived };
}

/** Adds reconciliations up. */
export function addReconciliations(rs: readonly Reconciliation[]): Reconciliation {
  return rs.reduce<Reconciliation>(
    (a, r) => ({
      received: a.received + r.received,
      stored: a.stored + r.stored,
      notStored: a.notStored + r.notStored,
      notReceived: a.notReceived + r.notReceived,
    }),
    { received: 0, stored: 0, notStored: 0, notReceived: 0 },
  );
}

/** A stored final transcript segment: `finalized_at` (null on rows stored before it existed) and `created_at`. */
export interface StoredSegment {
  id: string;
  status: 'ok' | 'failed';
  created_at: string | Date;
  finalized_at: string | Date | null;
}

/**
 * When a stored segment became final (ms since the epoch): its `finalized_at`, or when it was written for rows
 * without one. A client can only have received it after that.
 */
export function segmentFinalAt(row: StoredSegment): number {
  return new Date(row.finalized_at ?? row.created_at).getTime();
}

/** Final transcript segments received and stored, compared. */
export interface TranscriptReconciliation extends Reconciliation {
  /**
   * Stored final segments the client did not receive because they became final only after it stopped
   * listening (the recognizer was behind): not counted in `notReceived`.
   */
  finalizedAfterClientLeft: number;
  /**
   * Segments given up (`failed`) before the client left and not received: not counted in `notReceived`, as a
   * failed segment's (empty) final caption goes out only when interim captions of it had.
   */
  failedNotReceived: number;
}

/**
 * Compares the final segments a client received with those stored. A stored segment is due to the client only if
 * it became final with text (status `ok`) before `until`, when the client stopped listening. Of the others, those
 * not received count as `finalizedAfterClientLeft` (final at or after `until`, whatever the status) or
 * `failedNotReceived` instead of `notReceived`. A received id counts as stored if it is stored at all.
 */
export function reconcileTranscripts(
  received: ReadonlySet<string>,
  stored: readonly StoredSegment[],
  until: number,
): TranscriptReconciliation {
  const all = new Set(stored.map((s) => s.id));
  const due = new Set<string>();
  let finalizedAfterClientLeft = 0;
  let failedNotReceived = 0;
  for (const s of stored) {
    const before = segmentFinalAt(s) < until;
    if (before && s.status === 'ok') due.add(s.id);
    else if (received.has(s.id)) continue;
    else if (!before) finalizedAfterClientLeft++;
    else failedNotReceived++;
  }
  return { ...reconcile(received, all, due), finalizedAfterClientLeft, failedNotReceived };
}

/** Adds transcript reconciliations up. */
export function addTranscriptReconciliations(
  rs: readonly TranscriptReconciliation[],
): TranscriptReconciliation {
  return {
    ...addReconciliations(rs),
    finalizedAfterClientLeft: rs.reduce((a, r) => a + r.finalizedAfterClientLeft, 0),
    failedNotReceived: rs.reduce((a, r) => a + r.failedNotReceived, 0),
  };
}

/** One process's resident memory at the start and end of the steady part of the run. */
export interface RssGrowth {
  pid: number;
  role: string;
  /** Median of the readings in the span's first `windowMs`. */
  startMB: number;
  /** Median of the readings in the span's last `windowMs`. */
  endMB: number;
  maxMB: number;
  /** `endMB` against `startMB`, %. */
  growthPercent: number | null;
  /** Least-squares slope of every reading in the span, MB per minute (a leak keeps it above 0). */
  slopeMBPerMin: number;
}

const MB = 1024 * 1024;
const round1 = (x: number) => Math.round(x * 10) / 10;

function slopePerMs(points: readonly { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return den > 0 ? num / den : 0;
}

/**
 * RSS growth of every process alive through `[from, to]` (ms since the epoch): the median reading of the span's
 * first `windowMs` against the median of its last `windowMs` (one reading taken just after a collection, or
 * just before one, does not decide), and the slope over the whole span. Processes that started or ended inside
 * the span are left out (their growth says nothing about a leak over the run).
 */
export function rssGrowth(
  tracks: readonly ProcTrack[],
  from: number,
  to: number,
  slackMs = 10_000,
  windowMs = 60_000,
): RssGrowth[] {
  const out: RssGrowth[] = [];
  for (const t of tracks) {
    const inside = t.samples.filter((s) => s.t >= from && s.t <= to);
    const first = inside[0];
    const last = inside[inside.length - 1];
    if (!first || !last || first.t - from > slackMs || to - last.t > slackMs) continue;
    const start = median(inside.filter((s) => s.t <= first.t + windowMs).map((s) => s.rssBytes));
    const end = median(inside.filter((s) => s.t >= last.t - windowMs).map((s) => s.rssBytes));
    const slope = slopePerMs(inside.map((s) => ({ t: s.t, y: s.rssBytes })));
    out.push({
      pid: t.pid,
      role: t.role,
      startMB: round1(start / MB),
      endMB: round1(end / MB),
      maxMB: round1(Math.max(...inside.map((s) => s.rssBytes)) / MB),
      growthPercent: growthPercent(start, end),
      slopeMBPerMin: Math.round(((slope * 60_000) / MB) * 100) / 100,
    });
  }
  return out;
}

/** The soak's targets: RSS growth below this (%), and nothing lost. */
export const SOAK_MAX_RSS_GROWTH_PERCENT = 10;

/** Whether a soak met its targets, and every reason it did not. */
export function soakVerdict(r: {
  worstGrowthPercent: number | null;
  /** Whether the rooms overlapped long enough to measure growth at all. */
  steady: boolean;
  failedRooms: number;
  missed: number;
  lost: Record<string, Reconciliation>;
}): { pass: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (r.failedRooms) reasons.push(`${r.failedRooms} room(s) did not run`);
  if (!r.steady) reasons.push('no steady part to measure memory growth over');
  if (r.worstGrowthPercent !== null && r.worstGrowthPercent >= SOAK_MAX_RSS_GROWTH_PERCENT)
    reasons.push(`a process grew by ${r.worstGrowthPercent} % (target < ${SOAK_MAX_RSS_GROWTH_PERCENT} %)`);
  if (r.missed) reasons.push(`${r.missed} expected event(s) never arrived`);
  for (const [kind, x] of Object.entries(r.lost)) {
    if (x.notStored) reasons.push(`${x.notStored} ${kind} received but not stored`);
    if (x.notReceived) reasons.push(`${x.notReceived} ${kind} stored as delivered but not received`);
  }
  return { pass: reasons.length === 0, reasons };
}
