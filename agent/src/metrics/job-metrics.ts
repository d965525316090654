import { getHeapStatistics } from 'node:v8';
import type { MetricsPush, RoomProcessing, StageLatency } from '@interview-helper/protocol';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AnalyserProbe, ProcessedSample } from '../analysers/runner.js';
import { logger } from '../log.js';
import type { SessionContext, SessionExtension } from '../session/extension.js';
import { LatencyWindow } from './latency-window.js';
import { ANALYSER_BUCKETS, HINT_BUCKETS, METRIC, STT_BUCKETS } from './names.js';

/** Options of {@link JobMetrics}. */
export interface JobMetricsOptions {
  room: string;
  sessionId: string;
  jobId: string;
  /** The worker's metrics server (`AGENT_METRICS_PUSH_URL`); without it nothing is pushed. */
  url?: string;
  /** How often the room's statistics go to the worker (and to the session's report). */
  pushMs: number;
  /**
   * How far behind real time the room's analysis runs, as the worker's admission counts it (ms, e.g.
   * `AnalysisLag.sustainedMs`): pushed as `interview_agent_analysis_lag_seconds`.
   */
  analysisLag?: () => number;
  /** Rooms the job process runs now, this one included (several rooms can share a process; default 1). */
  processRooms?: () => number;
  /** Recent values kept per stage for its p50 and p95. */
  window: number;
  now: () => number;
  /** Sends one push (default: `POST` JSON to `url`, 2 s at most). */
  send: (url: string, push: MetricsPush) => Promise<void>;
}

export const defaultJobMetricsOptions = {
  pushMs: 2000,
  window: 1000,
  now: Date.now,
  send: postJson,
} satisfies Partial<JobMetricsOptions>;

async function postJson(url: string, push: MetricsPush): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(push),
    signal: AbortSignal.timeout(2000),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`metrics push: HTTP ${res.status}`);
}

interface AnalyserState {
  media: 'audio' | 'video';
  processing: LatencyWindow;
  lag: LatencyWindow;
  frames: number;
  dropped: number;
  droppedByTrack: Map<string, number>;
  queue: number;
  lagMs: number | null;
  observe: (seconds: number) => void;
  count: () => void;
  drop: (n: number) => void;
}

/**
 * The measurements of one room's job process: each analyser's processing time, queue and lag (as the
 * session's {@link AnalyserProbe}), speech-to-text latency (end of speech → final transcript) and hint latency
 * (triggering event → first delivery, per trigger) from the session's bus, the process's memory and CPU, and the
 * room's analysis lag for the worker's admission. Every `pushMs` it sends its Prometheus metrics and the room's
 * statistics to the worker's metrics server and puts the latency of each stage on the bus (the session report
 * reads it there); a final push when the session closes.
 */
export class JobMetrics implements AnalyserProbe, SessionExtension {
  readonly name = 'metrics';
  #o: JobMetricsOptions;
  #log = logger('metrics');
  #registry = new Registry();
  #startedAt: number;
  #analysers = new Map<string, AnalyserState>();
  #stt = new LatencyWindow();
  #sttSegments = 0;
  #hints = new LatencyWindow();
  #hintsByTrigger = new Map<string, LatencyWindow>();
  #hintsSent = 0;
  #cpuStart = process.cpuUsage();
  #cpuReported = 0;
  #timer?: NodeJS.Timeout;
  #off: (() => void)[] = [];
  #pushing?: Promise<void>;
  #failing = false;
  #ctx?: SessionContext;
  #m;

  constructor(opts: Pick<JobMetricsOptions, 'room' | 'sessionId' | 'jobId'> & Partial<JobMetricsOptions>) {
    this.#o = { ...defaultJobMetricsOptions, ...opts };
    this.#startedAt = this.#o.now();
    const registers = [this.#registry];
    this.#m = {
      seconds: new Histogram({
        name: METRIC.analyserSeconds,
        help: 'Wall time an analyser spent on one sample.',
        labelNames: ['analyser', 'media'],
        buckets: ANALYSER_BUCKETS,
        registers,
      }),
      frames: new Counter({
        name: METRIC.analyserFrames,
        help: 'Samples (audio chunks, video frames) analysed.',
        labelNames: ['analyser', 'media'],
        registers,
      }),
      dropped: new Counter({
        name: METRIC.analyserDropped,
        help: 'Samples dropped from an analyser queue because the analyser was behind.',
        labelNames: ['analyser', 'media'],
        registers,
      }),
      queue: new Gauge({
        name: METRIC.analyserQueue,
        help: 'Samples waiting in an analyser queue, per room.',
        labelNames: ['room', 'analyser'],
        registers,
      }),
      lag: new Gauge({
        name: METRIC.analyserLag,
        help: 'How far an analyser is behind real time (now minus the arrival of the sample it finished last).',
        labelNames: ['room', 'analyser'],
        registers,
      }),
      analysisLag: new Gauge({
        name: METRIC.analysisLag,
        help: "How far behind real time the room's analysis runs, as the worker's admission counts it.",
        labelNames: ['room'],
        registers,
      }),
      audioLost: new Counter({
        name: METRIC.audioLost,
        help: "Seconds of a track's audio not analysed, by speaker role and reason: lost (never reached the analysis: the job process fell behind its receive queues) or skipped (voice activity skipped to catch up).",
        labelNames: ['role', 'reason'],
        registers,
      }),
      hint: new Histogram({
        name: METRIC.hintLatency,
        help: 'Time from the event that triggered a hint to its first delivery, per trigger.',
        labelNames: ['trigger'],
        buckets: HINT_BUCKETS,
        registers,
      }),
      stt: new Histogram({
        name: METRIC.sttLatency,
        help: 'Time from the end of speech to its final transcript.',
        labelNames: ['role'],
        buckets: STT_BUCKETS,
        registers,
      }),
      rss: new Gauge({
        name: METRIC.jobRss,
        help: 'Resident memory of the job process a room runs in (the same figure for every room of that process).',
        labelNames: ['room'],
        registers,
      }),
      heap: new Gauge({
        name: METRIC.jobHeap,
        help: 'JavaScript heap in use in the job process a room runs in (the same figure for every room of that process): what grows with a leak in the agent code, where resident memory also holds native buffers.',
        labelNames: ['room'],
        registers,
      }),
      cpu: new Counter({
        name: METRIC.jobCpu,
        help: 'CPU time used by the job process of a room (its share when rooms share a process).',
        labelNames: ['room'],
        registers,
      }),
    };
  }

  processed(s: ProcessedSample): void {
    const a = this.#analyser(s.analyser, s.media);
    a.processing.add(s.ms);
    a.lag.add(s.lagMs);
    a.frames++;
    a.queue = s.queued;
    a.lagMs = s.lagMs;
    a.observe(s.ms / 1000);
    a.count();
    const before = a.droppedByTrack.get(s.trackSid) ?? 0;
    if (s.dropped > before) {
      a.dropped += s.dropped - before;
      a.drop(s.dropped - before);
      a.droppedByTrack.set(s.trackSid, s.dropped);
    }
  }

  #analyser(name: string, media: 'audio' | 'video'): AnalyserState {
    let a = this.#analysers.get(name);
    if (!a) {
      const seconds = this.#m.seconds.labels({ analyser: name, media });
      const frames = this.#m.frames.labels({ analyser: name, media });
      const dropped = this.#m.dropped.labels({ analyser: name, media });
      dropped.inc(0); // a series from the first sample on, not from the first drop
      a = {
        media,
        processing: new LatencyWindow(this.#o.window),
        lag: new LatencyWindow(this.#o.window),
        frames: 0,
        dropped: 0,
        droppedByTrack: new Map(),
        queue: 0,
        lagMs: null,
        observe: (v) => seconds.observe(v),
        count: () => frames.inc(),
        drop: (n) => dropped.inc(n),
      };
      this.#analysers.set(name, a);
    }
    return a;
  }

  start(ctx: SessionContext): void {
    this.#ctx = ctx;
    this.#off = [
      ctx.bus.on('transcript', ({ segment }) => {
        if (segment.status !== 'ok') return;
        const ms = Math.max(0, this.#o.now() - segment.end);
        this.#stt.add(ms);
        this.#sttSegments++;
        this.#m.stt.observe({ role: segment.speaker.role }, ms / 1000);
      }),
      ctx.bus.on('audio-lost', (e) =>
        this.#m.audioLost.inc({ role: e.speaker.role, reason: e.reason }, Math.max(0, e.to - e.from) / 1000),
      ),
      ctx.bus.on('hint-sent', (e) => {
        const ms = Math.max(0, e.sentAt - e.triggerAt);
        this.#hints.add(ms);
        this.#hintsSent++;
        let w = this.#hintsByTrigger.get(e.trigger);
        if (!w) {
          w = new LatencyWindow(this.#o.window);
          this.#hintsByTrigger.set(e.trigger, w);
        }
        w.add(ms);
        this.#m.hint.observe({ trigger: e.trigger }, ms / 1000);
      }),
    ];
    this.#timer = setInterval(() => void this.#report(false), this.#o.pushMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const off of this.#off) off();
    this.#off = [];
    await this.#pushing;
    await this.#report(true);
  }

  /** Latency of each stage so far. */
  stages(): StageLatency {
    return {
      analysers: Object.fromEntries(
        [...this.#analysers].map(([name, a]) => [
          name,
          { processingMs: a.processing.percentiles(), lagMs: a.lag.percentiles() },
        ]),
      ),
      sttMs: this.#stt.percentiles(),
      hintMs: this.#hints.percentiles(),
      hintMsByTrigger: Object.fromEntries([...this.#hintsByTrigger].map(([k, w]) => [k, w.percentiles()])),
    };
  }

  /** The room's processing statistics now. */
  snapshot(): RoomProcessing {
    const now = this.#o.now();
    const cpu = process.cpuUsage(this.#cpuStart);
    return {
      room: this.#o.room,
      sessionId: this.#o.sessionId,
      jobId: this.#o.jobId,
      pid: process.pid,
      startedAt: new Date(this.#startedAt).toISOString(),
      uptimeSeconds: Math.max(0, (now - this.#startedAt) / 1000),
      analysers: [...this.#analysers].map(([name, a]) => ({
        name,
        media: a.media,
        processingMs: a.processing.percentiles(),
        queueDepth: a.queue,
        framesAnalysed: a.frames,
        framesDropped: a.dropped,
        lagMs: a.lagMs === null ? null : Math.round(a.lagMs * 100) / 100,
      })),
      stt: { latencyMs: this.#stt.percentiles(), segments: this.#sttSegments },
      hints: { sent: this.#hintsSent, latencyMs: this.#hints.percentiles() },
      process: {
        rssBytes: process.memoryUsage.rss(),
        heapUsedBytes: getHeapStatistics().used_heap_size,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        rooms: Math.max(1, Math.round(this.#o.processRooms?.() ?? 1)),
      },
      stages: this.stages(),
    };
  }

  /** The push the worker gets now (`final`: the job ends). */
  async push(final: boolean): Promise<MetricsPush> {
    const room = this.snapshot();
    const labels = { room: this.#o.room };
    for (const [name, a] of this.#analysers) {
      this.#m.queue.set({ room: this.#o.room, analyser: name }, a.queue);
      this.#m.lag.set({ room: this.#o.room, analyser: name }, (a.lagMs ?? 0) / 1000);
    }
    const analysisLagMs = this.#o.analysisLag?.();
    if (analysisLagMs !== undefined && Number.isFinite(analysisLagMs))
      this.#m.analysisLag.set(labels, Math.max(0, analysisLagMs) / 1000);
    this.#m.rss.set(labels, room.process.rssBytes);
    if (room.process.heapUsedBytes !== undefined) this.#m.heap.set(labels, room.process.heapUsedBytes);
    const cpuDelta = room.process.cpuSeconds - this.#cpuReported;
    if (cpuDelta > 0) {
      this.#m.cpu.inc(labels, cpuDelta / (room.process.rooms ?? 1));
      this.#cpuReported = room.process.cpuSeconds;
    }
    // prom-client types `type` as a numeric enum; its JSON has the strings the schema names
    const metrics = (await this.#registry.getMetricsAsJSON()) as unknown as MetricsPush['metrics'];
    return { v: 1, final, room, metrics };
  }

  async #report(final: boolean): Promise<void> {
    this.#ctx?.bus.emit({ type: 'processing', stages: this.stages() });
    const url = this.#o.url;
    if (!url || (this.#pushing && !final)) return;
    const sending = this.push(final)
      .then((p) => this.#o.send(url, p))
      .then(
        () => {
          if (this.#failing) this.#log.info('metrics reach the worker again');
          this.#failing = false;
        },
        (err: unknown) => {
          if (!this.#failing)
            this.#log.warn({ err: err instanceof Error ? err.message : String(err) }, 'metrics push failed');
          this.#failing = true;
        },
      )
      .finally(() => {
        if (this.#pushing === sending) this.#pushing = undefined;
      });
    this.#pushing = sending;
    await sending;
  }
}
