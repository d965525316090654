import { processingHealthSchema } from '@interview-helper/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { unconnectedContext } from '../hints/testing.js';
import { MetricsAggregator } from './aggregator.js';
import { JobMetrics } from './job-metrics.js';
import { MetricsServer, PUSH_PATH } from './server.js';
import { startWorkerMetrics, type WorkerMetrics } from './worker.js';

const at = (path: string, init?: RequestInit) => new Request(`http://127.0.0.1${path}`, init);

async function pushBody(room: string, jobId: string): Promise<string> {
  const m = new JobMetrics({ room, sessionId: `s-${room}`, jobId });
  m.processed({
    analyser: 'face',
    media: 'video',
    trackSid: 'TR_v',
    ms: 12,
    lagMs: 40,
    queued: 0,
    dropped: 2,
  });
  return JSON.stringify(await m.push(false));
}

describe('MetricsServer routes', () => {
  const server = new MetricsServer({ aggregator: new MetricsAggregator(), maxBodyBytes: 64 * 1024 });

  it('takes a push, then serves it as Prometheus text and as processing statistics', async () => {
    const pushed = await server.handle(
      at(PUSH_PATH, { method: 'POST', body: await pushBody('room-1', 'job-1') }),
    );
    expect(pushed.status).toBe(204);

    const metrics = await server.handle(at('/metrics'));
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toMatch(
      /^interview_agent_analyser_frames_dropped_total\{analyser="face",media="video"\} 2$/m,
    );
    expect(text).toMatch(/^interview_agent_active_rooms 1$/m);

    const health = await server.handle(at('/api/health/processing'));
    expect(health.status).toBe(200);
    const body = processingHealthSchema.parse(await health.json());
    expect(body.rooms[0]).toMatchObject({ room: 'room-1', jobId: 'job-1' });
    expect(body.rooms[0]?.analysers[0]).toMatchObject({ name: 'face', framesAnalysed: 1, lagMs: 40 });
  });

  it('refuses what is not a push, and answers unknown paths and methods', async () => {
    const notJson = await server.handle(at(PUSH_PATH, { method: 'POST', body: '{nope' }));
    expect(notJson.status).toBe(400);
    const wrong = await server.handle(at(PUSH_PATH, { method: 'POST', body: JSON.stringify({ v: 2 }) }));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/v/);
    const big = await server.handle(at(PUSH_PATH, { method: 'POST', body: 'x'.repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    expect((await server.handle(at('/metrics', { method: 'POST', body: '' }))).status).toBe(405);
    expect((await server.handle(at('/nothing'))).status).toBe(404);
  });
});

describe('worker metrics over loopback', () => {
  let worker: WorkerMetrics | undefined;
  afterEach(async () => {
    await worker?.server.close();
  });

  it('a job pushes to the worker server and a scrape sees its room until it ends', async () => {
    worker = await startWorkerMetrics({ enabled: true, port: 0, pushMs: 60_000 });
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const job = new JobMetrics({
      room: 'room-9',
      sessionId: 's-9',
      jobId: 'job-9',
      url: worker.pushUrl,
      pushMs: 60_000,
    });
    job.processed({
      analyser: 'vad',
      media: 'audio',
      trackSid: 'TR_a',
      ms: 1,
      lagMs: 5,
      queued: 0,
      dropped: 0,
    });
    job.start(unconnectedContext('s-9'));
    await job.close(); // the final push

    const text = await (await fetch(`${worker.url}/metrics`)).text();
    expect(text).toMatch(/^interview_agent_analyser_frames_total\{analyser="vad",media="audio"\} 1$/m);
    expect(text).toMatch(/^interview_agent_active_rooms 0$/m);
    expect(text).toMatch(/^interview_agent_worker_process_cpu_seconds_total /m);
    const health = processingHealthSchema.parse(
      await (await fetch(`${worker.url}/api/health/processing`)).json(),
    );
    expect(health.worker).toMatchObject({ activeRooms: 0, framesAnalysed: 1 });
  });

  it('serves on a free port when the configured one is taken (a second worker never fails to start)', async () => {
    worker = await startWorkerMetrics({ enabled: true, port: 0, pushMs: 2000 });
    const port = Number(new URL(worker.url).port);
    const second = await startWorkerMetrics({ enabled: true, port, pushMs: 2000 });
    try {
      expect(second.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(second.url).not.toBe(worker.url);
      expect((await fetch(`${second.url}/metrics`)).status).toBe(200);
    } finally {
      await second.server.close();
    }
  });

  it('off, serves no /metrics but still takes the pushes the admission reads, on a free port', async () => {
    worker = await startWorkerMetrics({ enabled: false, port: 9, pushMs: 60_000 });
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(worker.url).not.toBe('http://127.0.0.1:9');
    expect((await fetch(`${worker.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${worker.url}/api/health/processing`)).status).toBe(404);
    const job = new JobMetrics({ room: 'room-8', sessionId: 's-8', jobId: 'job-8', analysisLag: () => 2000 });
    const pushed = await fetch(worker.pushUrl, {
      method: 'POST',
      body: JSON.stringify(await job.push(false)),
    });
    expect(pushed.status).toBe(204);
    expect(worker.aggregator.jobLags()).toEqual([{ jobId: 'job-8', lagMs: 2000 }]);
  });
});
