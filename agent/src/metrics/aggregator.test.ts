import { type MetricsPush, processingHealthSchema } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { MetricsAggregator } from './aggregator.js';
import { JobMetrics } from './job-metrics.js';
import { METRIC } from './names.js';

/** A job that analysed `frames` audio chunks (2 ms each, `dropped` of them dropped) and sent one hint. */
async function jobPush(
  room: string,
  jobId: string,
  frames: number,
  dropped: number,
  final = false,
  sessionId = `sess-${room}`,
): Promise<MetricsPush> {
  const m = new JobMetrics({ room, sessionId, jobId });
  for (let i = 0; i < frames; i++)
    m.processed({
      analyser: 'vad',
      media: 'audio',
      trackSid: 'TR_1',
      ms: 2,
      lagMs: 30,
      queued: 1,
      dropped: i === frames - 1 ? dropped : 0,
    });
  return m.push(final);
}

/** A push of a job whose analysis runs `lagMs` behind real time (what the worker's admission reads). */
function lagPush(jobId: string, lagMs: number, final = false): Promise<MetricsPush> {
  const m = new JobMetrics({
    room: `room-${jobId}`,
    sessionId: `sess-${jobId}`,
    jobId,
    analysisLag: () => lagMs,
  });
  return m.push(final);
}

/** The value of one line of Prometheus text (`name{labels} value`). */
function sample(text: string, line: RegExp): number | undefined {
  const found = text.split('\n').find((l) => line.test(l));
  return found === undefined ? undefined : Number(found.split(' ').at(-1));
}

describe('MetricsAggregator', () => {
  it('sums two jobs into /metrics and lists both rooms in the processing statistics', async () => {
    let now = 1_000_000;
    const agg = new MetricsAggregator({ now: () => now });
    expect(agg.accept(await jobPush('room-a', 'job-a', 100, 4))).toEqual({ ok: true });
    expect(agg.accept(await jobPush('room-b', 'job-b', 50, 1))).toEqual({ ok: true });

    const text = await agg.metrics();
    expect(sample(text, /^interview_agent_active_rooms /)).toBe(2);
    expect(sample(text, /^interview_agent_analyser_frames_total\{analyser="vad",media="audio"\}/)).toBe(150);
    expect(
      sample(text, /^interview_agent_analyser_frames_dropped_total\{analyser="vad",media="audio"\}/),
    ).toBe(5);
    expect(sample(text, /^interview_agent_analyser_processing_seconds_count\{analyser="vad"/)).toBe(150);
    expect(
      sample(text, /^interview_agent_analyser_processing_seconds_bucket\{le="0.0025",analyser="vad"/),
    ).toBe(150);
    expect(
      sample(text, /^interview_agent_analyser_processing_seconds_bucket\{le="0.001",analyser="vad"/),
    ).toBe(0);
    expect(sample(text, /^interview_agent_analyser_queue_depth\{room="room-a",analyser="vad"\}/)).toBe(1);
    expect(sample(text, /^interview_agent_analyser_lag_seconds\{room="room-b",analyser="vad"\}/)).toBe(0.03);
    expect(text).toMatch(/# TYPE interview_agent_analyser_processing_seconds histogram/);

    const health = processingHealthSchema.parse(await agg.health());
    expect(health.worker).toMatchObject({
      activeRooms: 2,
      framesAnalysed: 150,
      framesDropped: 5,
      jobRestarts: 0,
      jobsLost: 0,
      stt: null,
    });
    expect(health.rooms.map((r) => r.room)).toEqual(['room-a', 'room-b']);
    expect(health.rooms[0]?.analysers[0]).toMatchObject({
      name: 'vad',
      framesAnalysed: 100,
      framesDropped: 4,
      queueDepth: 1,
      lagMs: 30,
      processingMs: { n: 100, p50: 2, p95: 2 },
    });

    // room-a ends: it leaves the rooms, its frames stay in the worker's totals (a counter never goes down)
    now += 1000;
    agg.accept(await jobPush('room-a', 'job-a', 120, 4, true));
    const after = await agg.metrics();
    expect(sample(after, /^interview_agent_active_rooms /)).toBe(1);
    expect(sample(after, /^interview_agent_analyser_frames_total\{analyser="vad"/)).toBe(170);
    expect(after).not.toMatch(/room="room-a"/);
    expect((await agg.health()).worker).toMatchObject({ activeRooms: 1, framesAnalysed: 170 });
    // a late push of an ended job changes nothing
    agg.accept(await jobPush('room-a', 'job-a', 500, 4));
    expect(sample(await agg.metrics(), /^interview_agent_analyser_frames_total\{analyser="vad"/)).toBe(170);
  });

  it('counts a silent job as lost and a session that comes back in a new job as a restart', async () => {
    let now = 0;
    const agg = new MetricsAggregator({ now: () => now, staleAfterMs: 10_000 });
    agg.accept(await jobPush('room-c', 'job-1', 10, 0, false, 'sess-c'));
    now = 11_000;
    const lost = await agg.health();
    expect(lost.worker).toMatchObject({ activeRooms: 0, jobsLost: 1, framesAnalysed: 10 });
    agg.accept(await jobPush('room-c', 'job-2', 3, 0, false, 'sess-c'));
    const text = await agg.metrics();
    expect(sample(text, /^interview_agent_job_restarts_total /)).toBe(1);
    expect(sample(text, /^interview_agent_jobs_lost_total /)).toBe(1);
    expect(sample(text, /^interview_agent_active_rooms /)).toBe(1);
    expect(sample(text, /^interview_agent_analyser_frames_total\{analyser="vad"/)).toBe(13);
  });

  it('refuses a malformed push and counts it, and drops metrics a job does not own', async () => {
    const agg = new MetricsAggregator();
    const bad = agg.accept({ v: 1, final: false, room: { room: 'x' }, metrics: [] });
    expect(bad.ok).toBe(false);
    const push = await jobPush('room-d', 'job-d', 1, 0);
    push.metrics.push({
      name: METRIC.jobRestarts,
      help: 'forged',
      type: 'counter',
      aggregator: 'sum',
      values: [{ value: 99, labels: {} }],
    });
    expect(agg.accept(push).ok).toBe(true);
    const text = await agg.metrics();
    expect(sample(text, /^interview_agent_metrics_pushes_rejected_total /)).toBe(1);
    expect(sample(text, /^interview_agent_job_restarts_total /)).toBe(0);
  });

  it('reports the shared recognizer queue when it runs in the worker', async () => {
    const agg = new MetricsAggregator({
      recognizer: async () => ({
        queueDepth: 3,
        maxQueue: 16,
        inFlight: 1,
        requests: { ok: 40, rejected: 2, expired: 0, failed: 1 },
      }),
    });
    const text = await agg.metrics();
    expect(sample(text, /^interview_agent_stt_queue_depth /)).toBe(3);
    expect(sample(text, /^interview_agent_stt_recognizer_requests\{outcome="rejected"\}/)).toBe(2);
    expect((await agg.health()).worker.stt).toEqual({ queueDepth: 3, maxQueue: 16, inFlight: 1 });
  });

  describe('analysis lag for admission', () => {
    it('keeps the lag each live job last pushed, and shows it per room in /metrics', async () => {
      const agg = new MetricsAggregator();
      agg.accept(await lagPush('a', 300));
      agg.accept(await lagPush('b', 2500));
      agg.accept(await jobPush('room-c', 'c', 1, 0)); // a job that does not measure it: not listed
      expect(agg.jobLags()).toEqual([
        { jobId: 'a', lagMs: 300 },
        { jobId: 'b', lagMs: 2500 },
      ]);
      expect(sample(await agg.metrics(), /^interview_agent_analysis_lag_seconds\{room="room-b"\}/)).toBe(2.5);
      agg.accept(await lagPush('a', 40));
      expect(agg.jobLags()).toContainEqual({ jobId: 'a', lagMs: 40 });
    });

    it('drops a job that stopped pushing, counts it again when it pushes again, and forgets an ended one', async () => {
      let now = 0;
      const agg = new MetricsAggregator({ now: () => now, staleAfterMs: 10_000 });
      agg.accept(await lagPush('slow', 4000));
      now = 10_000;
      expect(agg.jobLags()).toEqual([{ jobId: 'slow', lagMs: 4000 }]); // still within its freshness
      now = 10_001;
      expect(agg.jobLags()).toEqual([]); // silent too long: its load no longer holds the worker
      expect((await agg.health()).worker.jobsLost).toBe(1);
      // it was only late (a saturated process): alive and lagging, it counts again
      agg.accept(await lagPush('slow', 5000));
      expect(agg.jobLags()).toEqual([{ jobId: 'slow', lagMs: 5000 }]);
      expect((await agg.health()).worker.activeRooms).toBe(0); // its room statistics stay retired
      // the job ends: its lag goes with its final push, and a late push does not bring it back
      agg.accept(await lagPush('slow', 5000, true));
      expect(agg.jobLags()).toEqual([]);
      agg.accept(await lagPush('slow', 5000));
      expect(agg.jobLags()).toEqual([]);
    });
  });
});
