import {
  type MetricsPush,
  metricsPushSchema,
  type ProcessingHealth,
  type PromMetricJson,
  type RoomProcessing,
} from '@interview-helper/protocol';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { logger } from '../log.js';
import { METRIC } from './names.js';

/** What the shared local speech recognizer reports (its `GET /stats`), as far as the metrics use it. */
export interface RecognizerLoad {
  queueDepth: number;
  maxQueue: number;
  inFlight: number;
  requests: { ok: number; rejected: number; expired: number; failed: number };
}

/** Options of a {@link MetricsAggregator}. */
export interface MetricsAggregatorOptions {
  /**
   * A job that has not pushed for this long counts as lost (its process died or hung), and its analysis lag no
   * longer counts for admission until it pushes again.
   */
  staleAfterMs: number;
  /** Sessions remembered to recognise one that comes back in a new job. */
  rememberSessions: number;
  now: () => number;
  /** The shared recognizer's load, when it runs in this worker (read at each scrape). */
  recognizer?: () => Promise<RecognizerLoad | undefined>;
  /** Include the worker process's own CPU, memory and event-loop metrics (prom-client's defaults). */
  processMetrics: boolean;
}

export const defaultMetricsAggregatorOptions = {
  staleAfterMs: 10_000,
  rememberSessions: 10_000,
  now: Date.now,
  processMetrics: false,
} satisfies Partial<MetricsAggregatorOptions>;

/** Metric names a job process may push (anything else is dropped). */
const JOB_METRICS: ReadonlySet<string> = new Set([
  METRIC.analyserSeconds,
  METRIC.analyserFrames,
  METRIC.analyserDropped,
  METRIC.analyserQueue,
  METRIC.analyserLag,
  METRIC.analysisLag,
  METRIC.audioLost,
  METRIC.hintLatency,
  METRIC.sttLatency,
  METRIC.jobRss,
  METRIC.jobHeap,
  METRIC.jobCpu,
]);

interface Job {
  push: MetricsPush;
  at: number;
}

/** The analysis lag a push carries, ms (undefined when the job does not measure it). */
function analysisLagMs(push: MetricsPush): number | undefined {
  const value = push.metrics.find((m) => m.name === METRIC.analysisLag)?.values[0]?.value;
  return value === undefined ? undefined : Math.max(0, value * 1000);
}

const valueKey = (v: PromMetricJson['values'][number]) =>
  `${v.metricName ?? ''}|${JSON.stringify(Object.entries(v.labels).sort(([a], [b]) => a.localeCompare(b)))}`;

/**
 * Adds the counters and histograms of `from` that carry no `room` label into `into` (what an ended job leaves
 * in the worker's totals, so they never go down when a room ends).
 */
function foldTotals(into: Map<string, PromMetricJson>, from: PromMetricJson[]): void {
  for (const m of from) {
    if (m.type !== 'counter' && m.type !== 'histogram') continue;
    const values = m.values.filter((v) => !('room' in v.labels));
    if (values.length === 0) continue;
    let kept = into.get(m.name);
    if (!kept) {
      kept = { ...m, values: [] };
      into.set(m.name, kept);
    }
    const byKey = new Map(kept.values.map((v) => [valueKey(v), v]));
    for (const v of values) {
      const old = byKey.get(valueKey(v));
      if (old) old.value += v.value;
      else {
        const copy = { ...v, labels: { ...v.labels } };
        kept.values.push(copy);
        byKey.set(valueKey(copy), copy);
      }
    }
  }
}

/**
 * The worker's view of its rooms: each job process pushes its room's statistics and Prometheus metrics
 * ({@link MetricsPush}); this keeps the latest push of every live job and renders `GET /metrics` (the jobs'
 * metrics summed by label set, the totals of ended jobs kept so counters never go down, the worker's own:
 * active rooms, job restarts, lost jobs, the shared recognizer's queue) and `GET /api/health/processing`.
 * It is also the worker admission's view of its jobs' analysis lag ({@link jobLags}): the job→worker channel is
 * this push, and nothing else.
 */
export class MetricsAggregator {
  #o: MetricsAggregatorOptions;
  #log = logger('metrics');
  #jobs = new Map<string, Job>();
  /** Jobs that ended: by their final push, or counted lost (silent; their lag counts again if they push again). */
  #ended = new Map<string, 'final' | 'lost'>();
  #lags = new Map<string, { lagMs: number; at: number }>();
  #sessions = new Map<string, string>();
  #retired = new Map<string, PromMetricJson>();
  #retiredTotals = { frames: 0, dropped: 0, hints: 0 };
  #startedAt: number;
  #registry = new Registry();
  #m;

  constructor(opts: Partial<MetricsAggregatorOptions> = {}) {
    this.#o = { ...defaultMetricsAggregatorOptions, ...opts };
    this.#startedAt = this.#o.now();
    const registers = [this.#registry];
    if (this.#o.processMetrics)
      collectDefaultMetrics({ register: this.#registry, prefix: 'interview_agent_worker_' });
    this.#m = {
      rooms: new Gauge({ name: METRIC.activeRooms, help: 'Rooms this worker is analysing.', registers }),
      restarts: new Counter({
        name: METRIC.jobRestarts,
        help: 'Sessions that came back in a new job process after their job ended or died.',
        registers,
      }),
      lost: new Counter({
        name: METRIC.jobsLost,
        help: 'Jobs that stopped reporting without ending (process died or hung).',
        registers,
      }),
      rejected: new Counter({
        name: METRIC.pushesRejected,
        help: 'Pushes from job processes refused as malformed.',
        registers,
      }),
      sttQueue: new Gauge({
        name: METRIC.sttQueue,
        help: 'Requests waiting in the shared speech recognizer.',
        registers,
      }),
      sttInFlight: new Gauge({
        name: METRIC.sttInFlight,
        help: 'Requests the shared speech recognizer is decoding.',
        registers,
      }),
      sttRequests: new Gauge({
        name: METRIC.sttRequests,
        help: 'Requests the shared speech recognizer answered, by outcome (counts since it started).',
        labelNames: ['outcome'],
        registers,
      }),
    };
  }

  /** Takes one push from a job process; returns why it was refused, if it was. */
  accept(body: unknown): { ok: true } | { ok: false; error: string } {
    const parsed = metricsPushSchema.safeParse(body);
    if (!parsed.success) {
      this.#m.rejected.inc();
      const error = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ');
      return { ok: false, error };
    }
    const push = parsed.data;
    push.metrics = push.metrics.filter((m) => JOB_METRICS.has(m.name));
    const { jobId, sessionId } = push.room;
    const ended = this.#ended.get(jobId);
    if (ended === 'final') return { ok: true };
    const now = this.#o.now();
    const lagMs = analysisLagMs(push);
    if (push.final || lagMs === undefined) this.#lags.delete(jobId);
    else this.#lags.set(jobId, { lagMs, at: now });
    if (ended === 'lost') {
      // its metrics were folded into the totals when it was counted lost: a late push changes none of them
      if (push.final) this.#ended.set(jobId, 'final');
      return { ok: true };
    }
    if (!this.#jobs.has(jobId)) {
      const before = this.#sessions.get(sessionId);
      if (before !== undefined && before !== jobId) {
        this.#m.restarts.inc();
        this.#log.info({ sessionId, jobId, previousJobId: before }, 'session resumed in a new job');
      }
      this.#sessions.delete(sessionId);
      this.#sessions.set(sessionId, jobId);
      if (this.#sessions.size > this.#o.rememberSessions) {
        const oldest = this.#sessions.keys().next().value;
        if (oldest !== undefined) this.#sessions.delete(oldest);
      }
    }
    this.#jobs.set(jobId, { push, at: now });
    if (push.final) this.#retire(jobId, 'final');
    this.sweep(now);
    return { ok: true };
  }

  /** Jobs silent for longer than `staleAfterMs` count as lost and leave the active rooms. */
  sweep(now = this.#o.now()): void {
    for (const [jobId, lag] of this.#lags) if (now - lag.at > this.#o.staleAfterMs) this.#lags.delete(jobId);
    for (const [jobId, job] of this.#jobs) {
      if (now - job.at > this.#o.staleAfterMs) {
        this.#m.lost.inc();
        this.#log.warn(
          { jobId, room: job.push.room.room, silentMs: now - job.at },
          'a job stopped reporting; counted as lost',
        );
        this.#retire(jobId, 'lost');
      }
    }
  }

  #retire(jobId: string, how: 'final' | 'lost'): void {
    const job = this.#jobs.get(jobId);
    if (!job) return;
    this.#jobs.delete(jobId);
    this.#ended.set(jobId, how);
    if (this.#ended.size > this.#o.rememberSessions) {
      const oldest = this.#ended.keys().next().value;
      if (oldest !== undefined) this.#ended.delete(oldest);
    }
    foldTotals(this.#retired, job.push.metrics);
    const t = this.#roomTotals(job.push.room);
    this.#retiredTotals.frames += t.frames;
    this.#retiredTotals.dropped += t.dropped;
    this.#retiredTotals.hints += t.hints;
  }

  #roomTotals(r: RoomProcessing): { frames: number; dropped: number; hints: number } {
    return {
      frames: r.analysers.reduce((n, a) => n + a.framesAnalysed, 0),
      dropped: r.analysers.reduce((n, a) => n + a.framesDropped, 0),
      hints: r.hints.sent,
    };
  }

  /**
   * The analysis lag of each job that pushed within `staleAfterMs` and has not ended, as its last push carried it
   * (what the worker's admission reads). A job that stopped pushing drops out; one counted lost that pushes again
   * counts again.
   */
  jobLags(): { jobId: string; lagMs: number }[] {
    this.sweep();
    return [...this.#lags].map(([jobId, l]) => ({ jobId, lagMs: l.lagMs }));
  }

  /** The latest statistics of every active room, oldest job first. */
  rooms(): RoomProcessing[] {
    this.sweep();
    return [...this.#jobs.values()].map((j) => j.push.room);
  }

  async #recognizer(): Promise<RecognizerLoad | undefined> {
    return this.#o.recognizer?.().catch(() => undefined);
  }

  /** `GET /api/health/processing`. */
  async health(): Promise<ProcessingHealth> {
    const rooms = this.rooms();
    const totals = { ...this.#retiredTotals };
    for (const r of rooms) {
      const t = this.#roomTotals(r);
      totals.frames += t.frames;
      totals.dropped += t.dropped;
      totals.hints += t.hints;
    }
    const stt = await this.#recognizer();
    const now = this.#o.now();
    return {
      at: new Date(now).toISOString(),
      worker: {
        pid: process.pid,
        uptimeSeconds: Math.max(0, (now - this.#startedAt) / 1000),
        activeRooms: rooms.length,
        jobRestarts: await this.#count(METRIC.jobRestarts),
        jobsLost: await this.#count(METRIC.jobsLost),
        framesAnalysed: totals.frames,
        framesDropped: totals.dropped,
        hintsSent: totals.hints,
        stt: stt ? { queueDepth: stt.queueDepth, maxQueue: stt.maxQueue, inFlight: stt.inFlight } : null,
      },
      rooms,
    };
  }

  async #count(name: string): Promise<number> {
    const metric = this.#registry.getSingleMetric(name);
    const data = await metric?.get();
    return data?.values[0]?.value ?? 0;
  }

  /** Content type of {@link metrics}. */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** `GET /metrics`: the Prometheus text of the worker and its rooms. */
  async metrics(): Promise<string> {
    this.#m.rooms.set(this.rooms().length);
    const stt = await this.#recognizer();
    if (stt) {
      this.#m.sttQueue.set(stt.queueDepth);
      this.#m.sttInFlight.set(stt.inFlight);
      for (const [outcome, n] of Object.entries(stt.requests)) this.#m.sttRequests.set({ outcome }, n);
    }
    // prom-client types `type` as a numeric enum; its JSON has the strings the schema names
    const own = (await this.#registry.getMetricsAsJSON()) as unknown as PromMetricJson[];
    const parts = [own, [...this.#retired.values()], ...[...this.#jobs.values()].map((j) => j.push.metrics)];
    return AggregatorRegistry.aggregate(
      parts as Parameters<typeof AggregatorRegistry.aggregate>[0],
    ).metrics();
  }
}
