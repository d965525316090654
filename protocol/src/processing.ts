import { z } from 'zod';

/** Median and 95th percentile of a list of durations (ms) over `n` values; null when there is no value. */
const latencySchema = z.object({
  n: z.number().int().nonnegative(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
});

/** One analyser of one room, as the processing statistics report it. */
export const analyserProcessingSchema = z.object({
  name: z.string().min(1).max(64),
  media: z.enum(['audio', 'video']),
  /** Wall time an analyser spent on one sample, over its recent samples. */
  processingMs: latencySchema,
  /** Samples waiting in its queue at the last sample it finished. */
  queueDepth: z.number().int().nonnegative(),
  framesAnalysed: z.number().int().nonnegative(),
  /** Samples dropped from its queue because it was behind. */
  framesDropped: z.number().int().nonnegative(),
  /** How far behind real time it was: now − the sample's arrival, when it finished the latest sample. */
  lagMs: z.number().nonnegative().nullable(),
});
export type AnalyserProcessing = z.infer<typeof analyserProcessingSchema>;

/**
 * Latency of each stage of one session (ms, recent values): each analyser's processing time and lag,
 * speech-to-text (end of speech → final transcript) and hints (triggering event → first delivery, per trigger).
 */
export const stageLatencySchema = z.object({
  analysers: z.record(z.string(), z.object({ processingMs: latencySchema, lagMs: latencySchema })),
  sttMs: latencySchema,
  hintMs: latencySchema,
  hintMsByTrigger: z.record(z.string(), latencySchema),
});
export type StageLatency = z.infer<typeof stageLatencySchema>;

/** What one room's job process is doing: load, throughput and latency of each stage. */
export const roomProcessingSchema = z.object({
  room: z.string().max(256),
  sessionId: z.string().min(1).max(128),
  jobId: z.string().min(1).max(128),
  pid: z.number().int().nonnegative(),
  /** When the job started (ISO 8601). */
  startedAt: z.string().min(1),
  uptimeSeconds: z.number().nonnegative(),
  analysers: z.array(analyserProcessingSchema).max(64),
  stt: z.object({ latencyMs: latencySchema, segments: z.number().int().nonnegative() }),
  hints: z.object({ sent: z.number().int().nonnegative(), latencyMs: latencySchema }),
  /**
   * The job process the room runs in: its resident memory, the JavaScript heap in use (absent from older agents),
   * CPU time since it started, and how many rooms it runs now (several rooms can share one process; absent from
   * older agents, which ran one room per process).
   */
  process: z.object({
    rssBytes: z.number().nonnegative(),
    heapUsedBytes: z.number().nonnegative().optional(),
    cpuSeconds: z.number().nonnegative(),
    rooms: z.number().int().positive().max(1024).optional(),
  }),
  stages: stageLatencySchema,
});
export type RoomProcessing = z.infer<typeof roomProcessingSchema>;

/** A metric as prom-client's `Registry.getMetricsAsJSON()` writes it (what a job process pushes). */
export const promMetricJsonSchema = z.object({
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/),
  help: z.string().max(1000),
  type: z.enum(['counter', 'gauge', 'histogram', 'summary']),
  aggregator: z.enum(['sum', 'first', 'min', 'max', 'average', 'omit']),
  values: z
    .array(
      z.object({
        value: z.number(),
        labels: z.record(z.string(), z.union([z.string(), z.number()])),
        metricName: z.string().optional(),
      }),
    )
    .max(5000),
});
export type PromMetricJson = z.infer<typeof promMetricJsonSchema>;

/**
 * What a job process sends the worker's metrics server every few seconds (`POST /internal/metrics`, loopback):
 * its room's processing statistics and its Prometheus metrics; `final` when the job ends.
 */
export const metricsPushSchema = z.object({
  v: z.literal(1),
  final: z.boolean(),
  room: roomProcessingSchema,
  metrics: z.array(promMetricJsonSchema).max(200),
});
export type MetricsPush = z.infer<typeof metricsPushSchema>;

/** `GET /api/health/processing`: per-room load and latency of one agent worker, and its totals. */
export const processingHealthSchema = z.object({
  at: z.string().min(1),
  worker: z.object({
    pid: z.number().int().nonnegative(),
    uptimeSeconds: z.number().nonnegative(),
    activeRooms: z.number().int().nonnegative(),
    /** Sessions that came back in a new job process (the first one ended or died). */
    jobRestarts: z.number().int().nonnegative(),
    /** Jobs that stopped reporting without ending (their process died or hung). */
    jobsLost: z.number().int().nonnegative(),
    framesAnalysed: z.number().int().nonnegative(),
    framesDropped: z.number().int().nonnegative(),
    hintsSent: z.number().int().nonnegative(),
    /** The shared local speech recognizer's queue, when it runs in this worker. */
    stt: z
      .object({
        queueDepth: z.number().int().nonnegative(),
        maxQueue: z.number().int().nonnegative(),
        inFlight: z.number().int().nonnegative(),
      })
      .nullable(),
  }),
  rooms: z.array(roomProcessingSchema),
});
export type ProcessingHealth = z.infer<typeof processingHealthSchema>;
