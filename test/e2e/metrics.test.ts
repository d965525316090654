import {
  type ProcessingHealth,
  processingHealthSchema,
  type RoomProcessing,
  sessionReportSchema,
} from '@interview-helper/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInterview, until as untilAsync, waitForAnalysis } from './harness/interview.js';
import { freePort, type Stack, startStack } from './harness/stack.js';

const PAUSE_SECONDS = 3;

/** Asks `check` again until it gives a value (the scrape is async, and may fail while the server starts). */
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  untilAsync(what, check, timeoutMs, { retryErrors: true });

/** The value of the first line of Prometheus text matching `line` (`name{labels} value`). */
function sample(text: string, line: RegExp): number | undefined {
  const found = text.split('\n').find((l) => line.test(l));
  return found === undefined ? undefined : Number(found.split(' ').at(-1));
}

describe('observability: the worker reports each room it analyses', () => {
  let stack: Stack;
  let metricsUrl: string;
  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    stack = await startStack({
      agentEnv: {
        AGENT_METRICS_PORT: String(port),
        AGENT_METRICS_PUSH_MS: '500',
        HINTS_TRIGGERS: JSON.stringify({
          'long-pause': { minSeconds: PAUSE_SECONDS },
          'answer-end': { enabled: false },
        }),
        HINTS_MIN_INTERVAL_MS: '1500',
      },
    });
  });
  afterAll(() => stack?.stop());

  const scrape = async () => {
    const res = await fetch(`${metricsUrl}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };
  const health = async (): Promise<ProcessingHealth> =>
    processingHealthSchema.parse(await (await fetch(`${metricsUrl}/api/health/processing`)).json());

  it('a real interview shows up in /metrics and /api/health/processing, and its report carries stage latency', async () => {
    const interview = await startInterview(stack, {
      camera: { fps: 10 },
      talk: { speechMs: 4000, pauseMs: 5000 },
    });
    const { created } = interview;
    const room = created.session.roomName;
    await waitForAnalysis(stack, interview, 240_000);

    // The room's job pushes: audio and video analysed, and a long-pause hint delivered, for this session.
    const busy = (r: RoomProcessing) =>
      ['audio', 'video'].every((m) => r.analysers.some((a) => a.media === m && a.framesAnalysed > 0)) &&
      r.hints.sent > 0;
    const live = await until('the room analysed with a hint sent, in /api/health/processing', async () => {
      const h = await health();
      const r = h.rooms.find((x) => x.sessionId === created.session.id);
      return r && busy(r) ? { h, r } : undefined;
    });
    expect(live.r.room).toBe(room);
    expect(live.h.worker.activeRooms).toBeGreaterThanOrEqual(1);
    expect(live.r.uptimeSeconds).toBeGreaterThan(0);
    expect(live.r.process.rssBytes).toBeGreaterThan(50 * 1024 * 1024);
    // the heap in use is part of the resident memory
    expect(live.r.process.heapUsedBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(live.r.process.heapUsedBytes).toBeLessThan(live.r.process.rssBytes);
    for (const a of live.r.analysers.filter((x) => x.framesAnalysed > 0)) {
      expect(a.processingMs.n).toBeGreaterThan(0);
      expect(a.processingMs.p95).toBeGreaterThanOrEqual(a.processingMs.p50 ?? 0);
      expect(a.lagMs).not.toBeNull();
    }
    expect(live.r.stages.hintMsByTrigger['long-pause']?.n).toBeGreaterThan(0);

    const text = await until('the room in /metrics', async () => {
      const t = await scrape();
      const video = sample(t, /^interview_agent_analyser_frames_total\{analyser="[^"]+",media="video"\}/);
      const hints = sample(t, /^interview_agent_hint_latency_seconds_count\{trigger="long-pause"\}/);
      return (video ?? 0) > 0 && (hints ?? 0) > 0 && t.includes(`room="${room}"`) ? t : undefined;
    });
    expect(sample(text, /^interview_agent_active_rooms /)).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, /^interview_agent_analyser_processing_seconds_count\{analyser="[^"]+",media="audio"\}/),
    ).toBeGreaterThan(0);
    expect(text).toMatch(
      new RegExp(`^interview_agent_analyser_queue_depth\\{room="${room}",analyser="[^"]+"\\} \\d+$`, 'm'),
    );
    expect(
      sample(text, new RegExp(`^interview_agent_job_resident_memory_bytes\\{room="${room}"\\}`)),
    ).toBeGreaterThan(0);
    expect(
      sample(text, new RegExp(`^interview_agent_job_heap_used_bytes\\{room="${room}"\\}`)),
    ).toBeGreaterThan(0);
    expect(
      sample(text, new RegExp(`^interview_agent_job_cpu_seconds_total\\{room="${room}"\\}`)),
    ).toBeGreaterThan(0);
    expect(sample(text, /^interview_agent_worker_process_resident_memory_bytes /)).toBeGreaterThan(0);

    for (const a of live.r.analysers)
      console.log(
        `[measure] ${a.name} (${a.media}): p50 ${a.processingMs.p50} ms, p95 ${a.processingMs.p95} ms, ` +
          `analysed ${a.framesAnalysed}, dropped ${a.framesDropped}, queue ${a.queueDepth}, lag ${a.lagMs} ms`,
      );
    console.log(
      `[measure] hint event→sent ${JSON.stringify(live.r.stages.hintMsByTrigger)}, job rss ` +
        `${Math.round(live.r.process.rssBytes / 2 ** 20)} MiB, cpu ${live.r.process.cpuSeconds.toFixed(1)} s ` +
        `over ${live.r.uptimeSeconds.toFixed(1)} s`,
    );

    // Everyone leaves: the job ends, its room leaves the statistics, its frames stay in the worker's totals.
    const framesBefore =
      sample(text, /^interview_agent_analyser_frames_total\{analyser="[^"]+",media="video"\}/) ?? 0;
    await interview.end();
    const after = await until(
      'the ended room to leave /api/health/processing',
      async () => {
        const h = await health();
        return h.rooms.some((x) => x.sessionId === created.session.id) ? undefined : h;
      },
      90_000,
    );
    expect(after.worker.framesAnalysed).toBeGreaterThan(0);
    expect(after.worker.jobsLost).toBe(0);
    const final = await scrape();
    expect(final).not.toContain(`room="${room}"`);
    expect(
      sample(final, /^interview_agent_analyser_frames_total\{analyser="[^"]+",media="video"\}/),
    ).toBeGreaterThanOrEqual(framesBefore);

    // The session report carries the latency of each stage.
    const report = await until('the session report', async () => {
      const res = await fetch(`${stack.tokenServerUrl}/api/sessions/${created.session.id}/report`, {
        headers: { authorization: `Bearer ${created.invites.interviewer}` },
      });
      if (!res.ok) {
        await res.body?.cancel();
        return undefined;
      }
      return sessionReportSchema.parse(await res.json());
    });
    const stages = report.metrics.processing;
    expect(stages).toBeDefined();
    expect(Object.keys(stages?.analysers ?? {}).length).toBeGreaterThan(2);
    expect(stages?.hintMsByTrigger['long-pause']?.n).toBeGreaterThan(0);
    console.log(`[measure] report stages ${JSON.stringify(stages)}`);
  }, 420_000);
});
