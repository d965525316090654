import { describe, expect, it } from 'vitest';
import type { EventResult } from '../test/replay/match.js';
import {
  AUDIO_CHUNK_MS,
  agentLogCounts,
  growthPercent,
  jobPids,
  largestOnTime,
  latencyGroup,
  latencySummary,
  levelOnTime,
  mediaCoverage,
  parseLevels,
  percentile,
  roomVerdict,
  type StatsPoint,
  steadySpan,
} from './density-stats.js';

const event = (
  verdict: EventResult['verdict'],
  latencyMs?: number,
  type: EventResult['type'] = 'signal',
): EventResult => ({
  name: `${type} ${verdict}`,
  type,
  window: { fromMs: 0, toMs: 1000 },
  triggerMs: 0,
  verdict,
  ...(latencyMs === undefined ? {} : { latencyMs, receivedMs: latencyMs }),
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const xs = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted on purpose
    expect(percentile(xs, 0.95)).toBe(19);
    expect(percentile(xs, 0.5)).toBe(10);
    expect(percentile(xs, 1)).toBe(20);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([7], 0.95)).toBe(7);
  });
  it('has no value without data and rejects a quantile outside 0–1', () => {
    expect(percentile([], 0.95)).toBeNull();
    expect(() => percentile([1], 95)).toThrow(RangeError);
  });
});

describe('latencySummary', () => {
  it('counts every expected event but takes latencies only of those received', () => {
    const s = latencySummary([event('pass', 300), event('late', 4200), event('missing')]);
    expect(s).toEqual({ expected: 3, received: 2, p50: 300, p95: 4200, max: 4200 });
  });
  it('groups conduct notes with hints', () => {
    expect(latencyGroup({ type: 'conduct' })).toBe('hint');
    expect(latencyGroup({ type: 'hint' })).toBe('hint');
    expect(latencyGroup({ type: 'signal' })).toBe('signal');
    expect(latencyGroup({ type: 'transcript' })).toBe('other');
  });
});

describe('roomVerdict and levelOnTime', () => {
  it('a room is on time only when every expected event is inside its window', () => {
    expect(roomVerdict({ events: [event('pass', 10), event('pass', 20)] }).onTime).toBe(true);
    expect(roomVerdict({ events: [event('pass', 10), event('late', 5000)] })).toMatchObject({
      onTime: false,
      late: 1,
    });
    expect(roomVerdict({ events: [event('missing')] })).toMatchObject({ onTime: false, missed: 1 });
    expect(roomVerdict({ events: [event('early', -10)] })).toMatchObject({ onTime: false, early: 1 });
    expect(roomVerdict({ error: 'agent never joined' })).toMatchObject({
      onTime: false,
      error: 'agent never joined',
    });
  });
  it('a level needs all of its rooms, each on time', () => {
    const ok = roomVerdict({ events: [event('pass', 1)] });
    const bad = roomVerdict({ events: [event('missing')] });
    expect(levelOnTime([ok, ok], 2)).toBe(true);
    expect(levelOnTime([ok, bad], 2)).toBe(false);
    expect(levelOnTime([ok], 2)).toBe(false);
  });
});

describe('largestOnTime', () => {
  it('is the last level before the first failure', () => {
    expect(
      largestOnTime([
        { n: 1, onTime: true },
        { n: 2, onTime: true },
        { n: 4, onTime: false },
        { n: 8, onTime: true },
      ]),
    ).toBe(2);
    expect(
      largestOnTime([
        { n: 4, onTime: true },
        { n: 1, onTime: true },
      ]),
    ).toBe(4);
    expect(largestOnTime([{ n: 1, onTime: false }])).toBeNull();
    expect(largestOnTime([])).toBeNull();
  });
});

describe('parseLevels', () => {
  it('reads increasing positive integers', () => {
    expect(parseLevels('1, 2,4,8')).toEqual([1, 2, 4, 8]);
    expect(() => parseLevels('1,1')).toThrow(/increase/);
    expect(() => parseLevels('0,2')).toThrow(/positive/);
    expect(() => parseLevels('1,x')).toThrow(/positive/);
  });
});

describe('mediaCoverage', () => {
  const point = (
    t: number,
    at: number,
    face: number,
    pose: number,
    vad: number,
    pitch: number,
  ): StatsPoint => ({
    t,
    at,
    analysers: [
      { name: 'vad', media: 'audio', framesIn: vad },
      { name: 'pitch', media: 'audio', framesIn: pitch },
      { name: 'face', media: 'video', framesIn: face },
      { name: 'pose', media: 'video', framesIn: pose },
    ],
  });
  it('measures from the last stats before t0 to the last one before the media ended', () => {
    const points = [
      point(-1500, 1_000, 10, 10, 0, 0),
      point(-500, 2_000, 25, 24, 0, 0),
      point(9_500, 12_000, 160, 150, 1_000, 990),
      point(10_500, 13_000, 175, 172, 1_100, 1_095),
      point(12_000, 14_000, 175, 172, 1_200, 1_200),
    ];
    const c = mediaCoverage(points, 11_000, 15);
    expect(c).toMatchObject({
      spanMs: 11_000,
      videoFramesSent: 165,
      videoFramesIn: 148, // pose: 172 − 24
      audioSecondsSent: 11,
    });
    // pitch took the fewest: 1095 chunks of the front end's length
    expect(c?.audioSecondsIn).toBeCloseTo((1095 * AUDIO_CHUNK_MS) / 1000, 9);
    expect(c?.perAnalyser).toEqual({ vad: 1100, pitch: 1095, face: 150, pose: 148 });
  });
  it('needs two stats messages', () => {
    expect(mediaCoverage([point(100, 1_000, 1, 1, 1, 1)], 10_000, 15)).toBeNull();
    expect(mediaCoverage([], 10_000, 15)).toBeNull();
  });
});

describe('growthPercent', () => {
  it('is relative to the start', () => {
    expect(growthPercent(400, 440)).toBe(10);
    expect(growthPercent(400, 380)).toBe(-5);
    expect(growthPercent(0, 10)).toBeNull();
  });
});

describe('steadySpan', () => {
  it('is where every room plays at once', () => {
    expect(
      steadySpan([
        { t0: 1_000, mediaMs: 50_000 },
        { t0: 5_000, mediaMs: 30_000 },
      ]),
    ).toEqual({ from: 5_000, to: 35_000 });
    expect(
      steadySpan([
        { t0: 0, mediaMs: 1_000 },
        { t0: 2_000, mediaMs: 1_000 },
      ]),
    ).toBeNull();
    expect(steadySpan([])).toBeNull();
  });
});

describe('agentLogCounts', () => {
  it('counts job processes that timed out initialising or failed', () => {
    const log = [
      '{"level":40,"error":{"message":"runner initialization timed out"},"msg":"supervised process run failed"}',
      '{"level":30,"msg":"received job request"}',
      '{"level":40,"error":{"message":"runner initialization timed out"},"msg":"supervised process run failed"}',
    ].join('\n');
    expect(agentLogCounts(log)).toEqual({ initTimeouts: 2, processFailures: 2 });
    expect(agentLogCounts('')).toEqual({ initTimeouts: 0, processFailures: 0 });
  });
});

describe('jobPids', () => {
  it('collects the pids of log lines about a job', () => {
    const log = [
      '{"level":30,"pid":100,"msg":"registered worker"}',
      '{"level":40,"pid":211,"hostname":"vm","pid":211,"jobID":"AJ_x","msg":"VAD inference is slower than realtime"}',
      '{"level":30,"pid":305,"jobID":"AJ_y","msg":"analysing candidate track"}',
      '{"level":30,"pid":412,"component":"room-host","jobId":"AJ_z","rooms":2,"msg":"job started in room host"}',
      '{"level":30,"pid":500,"component":"room-host-pool","msg":"room host ready"}',
      'not json',
    ].join('\n');
    expect([...jobPids(log)].sort()).toEqual([211, 305, 412]);
  });
});
