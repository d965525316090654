import { type MetricsPush, metricsPushSchema, roomProcessingSchema } from '@interview-helper/protocol';
import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import type { Analyser, AudioSample, SignalDraft } from '../analysers/analyser.js';
import { AnalyserRunner } from '../analysers/runner.js';
import type { SessionEventOf } from '../bus/session-bus.js';
import { unconnectedContext } from '../hints/testing.js';
import { JobMetrics } from './job-metrics.js';
import { METRIC } from './names.js';

/** Spends `ms` on each chunk (awaits a timer), as an analyser waiting for inference does. */
class SlowAnalyser implements Analyser<'audio'> {
  readonly name = 'slow';
  readonly media = 'audio' as const;
  readonly emits = [];
  constructor(readonly ms: number) {}
  async *analyse(samples: AsyncIterable<AudioSample>): AsyncIterable<SignalDraft> {
    for await (const _ of samples) await new Promise((r) => setTimeout(r, this.ms));
  }
}

const chunk = (at: number): AudioSample => ({
  frame: new AudioFrame(new Int16Array(160), 16000, 1, 160),
  receivedAt: at,
});

const metricValue = (push: MetricsPush, name: string, labels: Record<string, string>, metricName = name) =>
  push.metrics
    .find((m) => m.name === name)
    ?.values.find(
      (v) =>
        (v.metricName ?? name) === metricName && Object.entries(labels).every(([k, x]) => v.labels[k] === x),
    )?.value;

describe('JobMetrics', () => {
  it('measures each analyser through the runner: time per sample, lag behind real time, queue and drops', async () => {
    const metrics = new JobMetrics({ room: 'r1', sessionId: 's1', jobId: 'j1' });
    const runner = new AnalyserRunner({
      sessionId: 's1',
      factories: [() => new SlowAnalyser(5)],
      onSignal: () => {},
      audioQueueCapacity: 2,
      now: () => 10_000,
      probe: metrics,
    });
    const run = runner.start({ participantIdentity: 'c', trackSid: 'TR_a', media: 'audio' });
    // Ten chunks at once into a queue of two: the analyser takes the first, two wait, the rest are dropped.
    for (let i = 0; i < 10; i++) run.push(chunk(9_000 + i));
    await run.close();

    const room = roomProcessingSchema.parse(metrics.snapshot());
    const slow = room.analysers.find((a) => a.name === 'slow');
    expect(slow).toMatchObject({ media: 'audio', framesAnalysed: 3, framesDropped: 7, queueDepth: 0 });
    expect(slow?.processingMs.n).toBe(3);
    expect(slow?.processingMs.p50).toBeGreaterThanOrEqual(4);
    // the last chunk analysed arrived at 9 009 and finished at 10 000 by the runner's clock
    expect(slow?.lagMs).toBe(991);
    expect(room.stages.analysers.slow?.lagMs).toMatchObject({ n: 3, p95: 1000 });

    const push = metricsPushSchema.parse(await metrics.push(false));
    const labels = { analyser: 'slow', media: 'audio' };
    expect(metricValue(push, METRIC.analyserFrames, labels)).toBe(3);
    expect(metricValue(push, METRIC.analyserDropped, labels)).toBe(7);
    expect(metricValue(push, METRIC.analyserSeconds, labels, `${METRIC.analyserSeconds}_count`)).toBe(3);
    expect(metricValue(push, METRIC.analyserLag, { room: 'r1', analyser: 'slow' })).toBeCloseTo(0.991);
    expect(metricValue(push, METRIC.jobRss, { room: 'r1' })).toBeGreaterThan(0);
    // the heap in use: part of the resident memory, and the same figure in the room's processing stats
    const heap = metricValue(push, METRIC.jobHeap, { room: 'r1' }) ?? 0;
    expect(heap).toBeGreaterThan(1024 * 1024);
    expect(heap).toBeLessThan(metricValue(push, METRIC.jobRss, { room: 'r1' }) ?? 0);
    expect(push.room.process.heapUsedBytes).toBe(heap);
  });

  it('measures speech-to-text and hint latency from the bus, reports stages on it and pushes a final push on close', async () => {
    let clock = 50_000;
    const pushes: MetricsPush[] = [];
    const metrics = new JobMetrics({
      room: 'r2',
      sessionId: 's2',
      jobId: 'j2',
      url: 'http://127.0.0.1:9/internal/metrics',
      pushMs: 60_000,
      now: () => clock,
      send: async (_url, p) => {
        pushes.push(metricsPushSchema.parse(p));
      },
    });
    const ctx = unconnectedContext('s2');
    const stages: SessionEventOf<'processing'>[] = [];
    ctx.bus.on('processing', (e) => stages.push(e));
    metrics.start(ctx);
    const speaker = { identity: 'cand', role: 'candidate' as const, trackSid: 'TR_m' };
    ctx.bus.emit({
      type: 'transcript',
      segment: { id: 't1', speaker, text: 'hello', start: 48_000, end: 49_200, status: 'ok' },
    });
    ctx.bus.emit({
      type: 'hint-sent',
      hintId: 'h1',
      trigger: 'long-pause',
      triggerAt: 49_000,
      sentAt: 49_350,
    });
    ctx.bus.emit({ type: 'hint-sent', hintId: 'h2', trigger: 'stuck', triggerAt: 40_000, sentAt: 42_000 });
    ctx.bus.emit({ type: 'audio-lost', speaker, from: 45_000, to: 47_500, reason: 'lost' });
    ctx.bus.emit({ type: 'audio-lost', speaker, from: 51_000, to: 51_250, reason: 'lost' });
    ctx.bus.emit({ type: 'audio-lost', speaker, from: 52_000, to: 52_500, reason: 'skipped' });
    clock = 53_000;
    await metrics.close();

    expect(pushes).toHaveLength(1);
    const [last] = pushes;
    expect(last?.final).toBe(true);
    expect(last?.room).toMatchObject({
      room: 'r2',
      sessionId: 's2',
      jobId: 'j2',
      uptimeSeconds: 3,
      stt: { segments: 1, latencyMs: { n: 1, p50: 800, p95: 800 } },
      hints: { sent: 2, latencyMs: { n: 2, p50: 350, p95: 2000 } },
    });
    expect(last?.room.stages.hintMsByTrigger).toEqual({
      'long-pause': { n: 1, p50: 350, p95: 350 },
      stuck: { n: 1, p50: 2000, p95: 2000 },
    });
    if (!last) throw new Error('no push');
    expect(metricValue(last, METRIC.hintLatency, { trigger: 'stuck' }, `${METRIC.hintLatency}_sum`)).toBe(2);
    expect(metricValue(last, METRIC.sttLatency, { role: 'candidate' }, `${METRIC.sttLatency}_count`)).toBe(1);
    expect(metricValue(last, METRIC.audioLost, { role: 'candidate', reason: 'lost' })).toBe(2.75);
    expect(metricValue(last, METRIC.audioLost, { role: 'candidate', reason: 'skipped' })).toBe(0.5);
    // the report's stage latencies went on the bus
    expect(stages.at(-1)?.stages.sttMs).toEqual({ n: 1, p50: 800, p95: 800 });
  });

  it('goes on when the worker does not answer (a push that fails is logged, not thrown)', async () => {
    let tries = 0;
    const metrics = new JobMetrics({
      room: 'r3',
      sessionId: 's3',
      jobId: 'j3',
      url: 'http://127.0.0.1:9/internal/metrics',
      send: async () => {
        tries++;
        throw new Error('connection refused');
      },
    });
    metrics.start(unconnectedContext('s3'));
    await expect(metrics.close()).resolves.toBeUndefined();
    expect(tries).toBe(1);
  });

  it("pushes the room's analysis lag for the worker's admission, when it is given one", async () => {
    let lagMs = 1800;
    const metrics = new JobMetrics({ room: 'r4', sessionId: 's4', jobId: 'j4', analysisLag: () => lagMs });
    expect(metricValue(await metrics.push(false), METRIC.analysisLag, { room: 'r4' })).toBeCloseTo(1.8);
    lagMs = 12;
    expect(metricValue(await metrics.push(false), METRIC.analysisLag, { room: 'r4' })).toBeCloseTo(0.012);
    const without = new JobMetrics({ room: 'r5', sessionId: 's5', jobId: 'j5' });
    expect(metricValue(await without.push(false), METRIC.analysisLag, { room: 'r5' })).toBeUndefined();
  });
});
