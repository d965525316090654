/**
 * Pure arithmetic of the density and soak benchmarks: percentiles, a room's latencies and analysed-versus-sent
 * media from what its interviewer received, whether a room and a level stayed on time, and the largest level that
 * did. No I/O here (see density.ts and soak.ts for the runs).
 */

import { AUDIO_CHUNK_MS } from '../agent/src/analysers/audio-analysis.js';
import type { EventResult, RunResult } from '../test/replay/match.js';

/** The `p` quantile (0–1) of `xs` by the nearest-rank method; `null` for no values. */
export function percentile(xs: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile ${p} is outside 0–1`);
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
}

/** Latency figures of one group of expected events (ms). */
export interface LatencySummary {
  /** Expected events of the group. */
  expected: number;
  /** Of those, received (in, before or after their window). */
  received: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/** Summarises trigger→arrival latencies; `expected` counts every event of the group, received or not. */
export function latencySummary(events: readonly EventResult[]): LatencySummary {
  const ms = events.flatMap((e) => (e.latencyMs === undefined ? [] : [e.latencyMs]));
  return {
    expected: events.length,
    received: ms.length,
    p50: percentile(ms, 0.5),
    p95: percentile(ms, 0.95),
    max: ms.length ? Math.max(...ms) : null,
  };
}

/** Which latency group an expected event belongs to: analyser signals, or advice (hints and conduct notes). */
export function latencyGroup(e: Pick<EventResult, 'type'>): 'signal' | 'hint' | 'other' {
  if (e.type === 'signal') return 'signal';
  if (e.type === 'hint' || e.type === 'conduct') return 'hint';
  return 'other';
}

/** One analyser's counters in a `stats` message, with the message's arrival (ms since t0) and agent time. */
export interface StatsPoint {
  t: number;
  at: number;
  analysers: { name: string; media: 'audio' | 'video'; framesIn: number }[];
}

/** Media analysed versus sent while the scenario's media played (between two `stats` messages). */
export interface MediaCoverage {
  /** Agent-clock span between the two stats messages the figures come from (ms). */
  spanMs: number;
  /** Camera frames the client sent over the span, and the fewest any video analyser took in. */
  videoFramesSent: number;
  videoFramesIn: number;
  /** Audio the client sent over the span (s), and the least any audio analyser took in (s). */
  audioSecondsSent: number;
  audioSecondsIn: number;
  /** Per analyser: frames taken in over the span. */
  perAnalyser: Record<string, number>;
}

/** Every audio sample an analyser receives is one chunk of the agent's audio front end, this long. */
export { AUDIO_CHUNK_MS };

/**
 * What the analysers took in while the media played: between the last `stats` message received at or before t0
 * (the camera's pre-roll already plays then, at the same rate) and the last one received before the media ended.
 * `null` when fewer than two such messages arrived.
 */
export function mediaCoverage(
  points: readonly StatsPoint[],
  mediaMs: number,
  fps: number,
): MediaCoverage | null {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const before = sorted.filter((p) => p.t <= 0);
  const first = before.length ? before[before.length - 1] : sorted[0];
  const during = sorted.filter((p) => p.t <= mediaMs);
  const last = during[during.length - 1];
  if (!first || !last || last.at <= first.at) return null;
  const spanMs = last.at - first.at;
  const perAnalyser: Record<string, number> = {};
  const video: number[] = [];
  const audio: number[] = [];
  for (const a of last.analysers) {
    const from = first.analysers.find((x) => x.name === a.name)?.framesIn ?? 0;
    const n = a.framesIn - from;
    perAnalyser[a.name] = n;
    (a.media === 'video' ? video : audio).push(n);
  }
  return {
    spanMs,
    videoFramesSent: Math.round((spanMs / 1000) * fps),
    videoFramesIn: video.length ? Math.min(...video) : 0,
    audioSecondsSent: spanMs / 1000,
    audioSecondsIn: audio.length ? (Math.min(...audio) * AUDIO_CHUNK_MS) / 1000 : 0,
    perAnalyser,
  };
}

/** Whether one room stayed on time, and why not. */
export interface RoomVerdict {
  onTime: boolean;
  /** Expected events that arrived after their window or never. */
  late: number;
  missed: number;
  early: number;
  /** The client failed (the agent never came, a track was not negotiated…). */
  error?: string;
}

/**
 * A room is on time when its interview ran and every event its scenario expects arrived inside the scenario's
 * own window for it (`expected.json`): nothing late, nothing missing. Forbidden or surplus events are counted
 * elsewhere; they are about what the agent says, not about keeping up.
 */
export function roomVerdict(result: Pick<RunResult, 'events'> | { error: string }): RoomVerdict {
  if ('error' in result) return { onTime: false, late: 0, missed: 0, early: 0, error: result.error };
  const count = (v: EventResult['verdict']) => result.events.filter((e) => e.verdict === v).length;
  const late = count('late');
  const missed = count('missing');
  const early = count('early');
  return { onTime: late === 0 && missed === 0 && early === 0, late, missed, early };
}

/** A level is on time when it ran every room and every room was on time. */
export function levelOnTime(rooms: readonly RoomVerdict[], n: number): boolean {
  return rooms.length === n && rooms.every((r) => r.onTime);
}

/**
 * The largest level at which every room stayed on time, counting only the levels below the first failing one
 * (a level that passes after a failure says nothing about capacity). `null` when the first level failed.
 */
export function largestOnTime(levels: readonly { n: number; onTime: boolean }[]): number | null {
  let best: number | null = null;
  for (const l of [...levels].sort((a, b) => a.n - b.n)) {
    if (!l.onTime) break;
    best = l.n;
  }
  return best;
}

/** Parses a list of levels such as `1,2,4,8`: positive integers, strictly increasing. */
export function parseLevels(text: string): number[] {
  const levels = text.split(',').map((s) => Number(s.trim()));
  for (const [i, n] of levels.entries()) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`levels: "${text}" must be positive integers`);
    if (i > 0 && n <= (levels[i - 1] as number)) throw new Error(`levels: "${text}" must increase`);
  }
  return levels;
}

/** Relative growth from `start` to `end` in percent (one decimal); `null` without a start. */
export function growthPercent(start: number, end: number): number | null {
  if (!(start > 0)) return null;
  return Math.round(((end - start) / start) * 1000) / 10;
}

/**
 * The span in which every room played its media at once: from the last room's t0 to the first room's media end
 * (ms since the epoch). `null` when the rooms never overlapped (or none played).
 */
export function steadySpan(
  plays: readonly { t0: number; mediaMs: number }[],
): { from: number; to: number } | null {
  if (!plays.length) return null;
  const from = Math.max(...plays.map((p) => p.t0));
  const to = Math.min(...plays.map((p) => p.t0 + p.mediaMs));
  return to > from ? { from, to } : null;
}

/**
 * Job processes that could not start, from the worker's log: a process that does not initialise within the
 * framework's timeout is replaced, and a room given to it may never get its agent.
 */
export function agentLogCounts(log: string) {
  return {
    initTimeouts: log.match(/runner initialization timed out|room host did not start within/g)?.length ?? 0,
    processFailures:
      log.match(/supervised process run failed|room host exited with rooms running/g)?.length ?? 0,
  };
}

/**
 * Pids of the job processes that ran a job, from the worker's log: the framework's job lines carry `pid` and
 * `jobID`, a room host logs `job started in room host` with its `pid`.
 */
export function jobPids(log: string): Set<number> {
  const pids = new Set<number>();
  for (const line of log.split('\n')) {
    if (!line.includes('"jobID"') && !line.includes('"msg":"job started in room host"')) continue;
    const m = /"pid":(\d+)/.exec(line);
    if (m) pids.add(Number(m[1]));
  }
  return pids;
}
