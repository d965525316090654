import type { MetricsPush } from '@interview-helper/protocol';
import { describe, expect, it } from 'vitest';
import { unconnectedContext } from '../hints/testing.js';
import { MetricsAggregator } from '../metrics/aggregator.js';
import { JobMetrics } from '../metrics/job-metrics.js';
import { MetricsServer, PUSH_PATH } from '../metrics/server.js';
import type { AdmissionRequest } from './admission.js';
import { AnalysisLag } from './analysis-lag.js';
import { startWorkerLoad } from './worker-load.js';

// CPU out of the way (the test's own process tree is measured): lag and slots decide
const settings = {
  cpuLimit: 0.8,
  cores: 1024,
  lagLimitMs: 1500,
  idleProcesses: 1,
  initializeTimeoutMs: 60_000,
};
const pushUrl = `http://127.0.0.1${PUSH_PATH}`;

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** A job offer; resolves to how the worker answered it. */
async function offer(requestFunc: (r: AdmissionRequest) => Promise<void>, id: string) {
  let answer: 'accept' | 'reject' | undefined;
  await requestFunc({
    id,
    room: { name: `room-${id}` } as AdmissionRequest['room'],
    accept: async () => {
      answer = 'accept';
    },
    reject: async () => {
      answer = 'reject';
    },
  });
  return answer;
}

/**
 * The worker's side of the one job→worker channel: its metrics aggregator behind the push route (answered without
 * a socket), read by the admission.
 */
function worker(now: () => number) {
  const aggregator = new MetricsAggregator({ now, staleAfterMs: 10_000 });
  const server = new MetricsServer({ aggregator });
  const send = async (url: string, push: MetricsPush) => {
    const res = await server.handle(new Request(url, { method: 'POST', body: JSON.stringify(push) }));
    if (res.status !== 204) throw new Error(`push refused: HTTP ${res.status}`);
  };
  const load = startWorkerLoad(settings, 4, aggregator);
  const refused: string[][] = [];
  load.admission.onDecision((d) => refused.push(d.refusedBy));
  return { aggregator, send, load, refused };
}

describe('admission reads the analysis lag the jobs push with their metrics', () => {
  it('a job falling behind makes the worker report full and decline; it counts no more once on time or ended', async () => {
    let now = 100_000;
    const w = worker(() => now);
    // a window under a second: each reading sees the samples taken since the previous one
    const lag = new AnalysisLag({ eventLoop: false, readingMs: 0, windowMs: 900, now: () => now });
    const job = new JobMetrics({
      room: 'room-1',
      sessionId: 's-1',
      jobId: 'job-1',
      url: pushUrl,
      pushMs: 10,
      analysisLag: () => lag.sustainedMs(),
      send: w.send,
    });
    const running = { activeJobs: [{ job: { id: 'job-1' } }] };
    const { loadFunc, requestFunc } = w.load.serverOptions;
    expect(await loadFunc(running)).toBeCloseTo(0.7 * 0.25); // one slot of four, no lag yet
    job.start(unconnectedContext('s-1'));

    /** `n` one-second readings of the job's analysis, its samples taken `ageMs` old. */
    const seconds = (n: number, ageMs: number) => {
      for (let i = 0; i < n; i++) {
        now += 1000;
        lag.record(now - ageMs);
        lag.read();
      }
    };
    seconds(3, 2000); // three seconds 2 s behind: the job's pushes carry it
    await until(() => w.aggregator.jobLags()[0]?.lagMs === 2000);
    expect(await loadFunc(running)).toBeCloseTo(0.7);
    expect(await offer(requestFunc, 'a')).toBe('reject');
    expect(w.refused.at(-1)).toEqual(['lag']);

    seconds(3, 10); // on time again
    await until(() => w.aggregator.jobLags()[0]?.lagMs === 10);
    expect(await loadFunc(running)).toBeCloseTo(0.7 * 0.25);
    expect(await offer(requestFunc, 'b')).toBe('accept');

    seconds(3, 2000);
    await until(() => w.aggregator.jobLags()[0]?.lagMs === 2000);
    await job.close(); // the job ends: its final push takes its lag away
    expect(w.aggregator.jobLags()).toEqual([]);
    expect((await w.aggregator.health()).worker.jobsLost).toBe(0);
    // job-1 counts no more; b, accepted above, holds its slot until it runs (its assignment never comes here)
    expect(await loadFunc({ activeJobs: [] })).toBeCloseTo(0.7 * 0.25);
    lag.close();
  });

  it('a job that stopped pushing holds the load only until its report is stale', async () => {
    let now = 0;
    const w = worker(() => now);
    const hung = new JobMetrics({
      room: 'room-2',
      sessionId: 's-2',
      jobId: 'job-2',
      analysisLag: () => 3000,
    });
    await w.send(pushUrl, await hung.push(false)); // its last push, then nothing
    const running = { activeJobs: [{ job: { id: 'job-2' } }] };
    const { loadFunc, requestFunc } = w.load.serverOptions;
    now += 9000;
    expect(await loadFunc(running)).toBeCloseTo(0.7);
    expect(await offer(requestFunc, 'c')).toBe('reject');
    now += 1001; // silent for longer than the metrics' staleness (here 10 s)
    expect(await loadFunc(running)).toBeCloseTo(0.7 * 0.25);
    expect(await offer(requestFunc, 'd')).toBe('accept');
    // it comes back, still behind: it counts again
    await w.send(pushUrl, await hung.push(false));
    expect(await loadFunc(running)).toBeCloseTo(0.7);
  });
});
