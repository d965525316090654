/**
 * Plays several replay scenarios at once, one room each, through one running stack (test/replay/run.ts plays
 * each room with the Go client) and sums up each room: trigger→arrival latency of its expected signals and
 * hints, what it missed, and how much of the media it sent its analysers took in (from the agent's `stats`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeAgentMessage, TOPICS } from '@interview-helper/protocol';
import type { Scenario } from '../test/replay/load.js';
import type { ClientLine } from '../test/replay/match.js';
import { playScenario, type ScenarioRun, type TokenServer } from '../test/replay/run.js';
import { inspectIvf } from '../test/replay/validate.js';
import {
  type LatencySummary,
  latencyGroup,
  latencySummary,
  type MediaCoverage,
  mediaCoverage,
  type RoomVerdict,
  roomVerdict,
  type StatsPoint,
} from './density-stats.js';

/** One room of a level. */
export interface RoomResult {
  room: number;
  scenario: string;
  sessionId?: string;
  /** From asking for the session until t0 (the agent had joined and its analysers were running), ms. */
  readyMs?: number;
  /** When its media started (ms since the epoch) and how long it played. */
  t0?: number;
  mediaMs: number;
  verdict: RoomVerdict;
  signals?: LatencySummary;
  hints?: LatencySummary;
  /** Expected events that arrived late or never, with their verdict. */
  problems: { name: string; verdict: string; latencyMs?: number }[];
  forbidden: number;
  outsideWindow: number;
  coverage?: MediaCoverage | null;
  /** The full run (for the JSON file). */
  run?: ScenarioRun;
}

/** The `stats` messages the interviewer received, from a run's `events.jsonl`. */
export function statsPoints(lines: readonly ClientLine[]): StatsPoint[] {
  const out: StatsPoint[] = [];
  for (const l of lines) {
    if (l.event !== 'message' || l.to !== 'interviewer' || l.topic !== TOPICS.AGENT_TO_INTERVIEWERS) continue;
    const r = decodeAgentMessage(l.text ?? '');
    if (!r.ok || r.message.type !== 'stats') continue;
    out.push({
      t: l.t,
      at: r.message.at,
      analysers: r.message.analysers.map((a) => ({ name: a.name, media: a.media, framesIn: a.framesIn })),
    });
  }
  return out;
}

function readLines(artifacts: string): ClientLine[] {
  return readFileSync(join(artifacts, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ClientLine);
}

const fpsCache = new Map<string, number>();

/** Frames per second of a scenario's camera file. */
export function cameraFps(video: string): number {
  let fps = fpsCache.get(video);
  if (fps === undefined) {
    const info = inspectIvf(video);
    fps = info.durationMs > 0 ? (info.frames * 1000) / info.durationMs : 0;
    fpsCache.set(video, fps);
  }
  return fps;
}

/** Sums up one played room. */
export function summariseRoom(
  room: number,
  scenario: Scenario,
  run: ScenarioRun,
  startedAt: number,
): RoomResult {
  const group = (g: 'signal' | 'hint') => latencySummary(run.events.filter((e) => latencyGroup(e) === g));
  let coverage: MediaCoverage | null = null;
  try {
    coverage = mediaCoverage(
      statsPoints(readLines(run.artifacts)),
      scenario.mediaMs,
      cameraFps(scenario.video),
    );
  } catch {
    coverage = null;
  }
  return {
    room,
    scenario: scenario.name,
    sessionId: run.sessionId,
    readyMs: Math.round(run.t0 - startedAt),
    t0: run.t0,
    mediaMs: scenario.mediaMs,
    verdict: roomVerdict(run),
    signals: group('signal'),
    hints: group('hint'),
    problems: run.events
      .filter((e) => e.verdict !== 'pass')
      .map((e) => ({
        name: e.name,
        verdict: e.verdict,
        ...(e.latencyMs !== undefined ? { latencyMs: e.latencyMs } : {}),
      })),
    forbidden: run.forbidden.length,
    outsideWindow: run.outsideWindow.length,
    coverage,
    run,
  };
}

/** Options of {@link playRooms}. */
export interface PlayRoomsOptions {
  server: TokenServer;
  /** The scenarios rooms play, in turn (room i plays `scenarios[i % length]`). */
  scenarios: Scenario[];
  rooms: number;
  /** Delay between two rooms' starts, ms (0: all at once). */
  staggerMs: number;
  /** A number unique to this batch, for the run folders under test-artifacts/replay. */
  batch: number;
  /** Called when a room ends. */
  onRoom?: (r: RoomResult) => void;
}

/** Plays `rooms` rooms at once and resolves with each one's result (a failed room carries its error). */
export async function playRooms(o: PlayRoomsOptions): Promise<RoomResult[]> {
  const one = async (i: number): Promise<RoomResult> => {
    await sleep(i * o.staggerMs);
    const scenario = o.scenarios[i % o.scenarios.length] as Scenario;
    const startedAt = Date.now();
    let result: RoomResult;
    try {
      const run = await playScenario(o.server, scenario, o.batch * 1000 + i + 1);
      result = summariseRoom(i + 1, scenario, run, startedAt);
    } catch (err) {
      const error = (err instanceof Error ? err.message : String(err)).slice(0, 2000);
      result = {
        room: i + 1,
        scenario: scenario.name,
        mediaMs: scenario.mediaMs,
        verdict: roomVerdict({ error }),
        problems: [],
        forbidden: 0,
        outsideWindow: 0,
      };
    }
    o.onRoom?.(result);
    return result;
  };
  return Promise.all(Array.from({ length: o.rooms }, (_, i) => one(i)));
}
