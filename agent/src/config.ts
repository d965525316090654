import { triggerSettingsSchema } from '@interview-helper/protocol';
import { z } from 'zod';
import type { InferenceSettings } from './inference/settings.js';
import type { MetricsSettings } from './metrics/worker.js';
import { defaultVideoDimensions, type VideoDimensions } from './session/media.js';
import type { AudioSettings } from './transcription/settings.js';
import { modelsDir } from './vision/models.js';
import type { FrameSamplerOptions } from './vision/sampler.js';
import { preloadEnv, resolveHostAllocator } from './worker/allocator.js';
import { type AdmissionSettings, SEMI_SPACE_FLAG } from './worker/settings.js';

/** Everything the agent process reads from the environment, parsed once at start (see the README's table). */
export interface AgentConfig {
  livekit: { url: string; apiKey?: string; apiSecret?: string };
  worker: {
    /** Name the worker registers under for explicit dispatch. */
    agentName: string;
    /** Port of the health server (127.0.0.1). */
    healthPort: number;
    /** Interviews one worker takes at a time. */
    maxJobs: number;
    /** Rooms one job process runs at a time, four times as many over its life (1: the framework's one per room). */
    roomsPerProcess: number;
    /** Largest young-generation semi-space of a room host process, MB (0: V8's default). */
    semiSpaceMb: number;
    /**
     * The room hosts' environment when it differs from the worker's: it preloads the malloc library of
     * `AGENT_HOST_MALLOC` (unset: the C library's malloc).
     */
    hostEnv?: NodeJS.ProcessEnv;
    /** The framework's event-loop block warning, ms (`LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS`; 0: its monitor off). */
    loopBlockWarnMs: number;
    /**
     * Resident memory per room above which a job process is logged, and killed, MB (0: never). A process of
     * several rooms gets these times its rooms per process.
     */
    memoryWarnMb: number;
    memoryLimitMb: number;
  };
  /** Postgres URL; unset → each job records into an in-memory PGlite. */
  databaseUrl?: string;
  /** Interview plan coverage: `llm` matches with Claude (when a key is set) falling back to keywords. */
  plan: { matcher: 'llm' | 'keywords'; llmBudgetMs: number };
  /** How often stats go to interviewers. */
  statsIntervalMs: number;
  session: {
    /** Minutes without any participant before the agent ends the session (0: never). */
    idleEndMinutes: number;
  };
  hints: {
    /** Claude writes hints when set; the rule templates otherwise. */
    anthropic?: { apiKey: string; baseURL?: string };
    model: string;
    minIntervalMs: number;
    llmBudgetMs: number;
    /** Trigger overrides for every session (`HINTS_TRIGGERS`). */
    triggers?: TriggerSettings;
  };
  /** Speech-to-text and voice-activity settings. */
  audio: AudioSettings;
  vision: {
    /** Frame-sampler rates (unset rates keep the sampler's defaults). */
    sampling: Partial<Pick<FrameSamplerOptions, 'speakingFps' | 'idleFps'>>;
    /** Whether the pose analyser runs. */
    pose: boolean;
    /** A fixed rate for the pose analyser, speaking or not. */
    poseFps?: number;
    /** Frame size asked of the SFU for the candidate's camera. */
    videoDimensions: VideoDimensions;
    /** Directory of the verified ONNX models. */
    modelsDir: string;
    /** Where the models run: one shared service per worker, or in each job process (`VISION_INFERENCE*`). */
    inference: InferenceSettings;
  };
  /** Private notes to each interviewer about their own conduct (`CONDUCT_NOTES`). */
  conduct: { enabled: boolean };
  /** Prometheus `/metrics` and `/api/health/processing` on the worker (`AGENT_METRICS*`). */
  metrics: MetricsSettings;
  /** Client messages: each sender's rate, beyond which its messages are dropped unread (`INBOX_RATE_*`). */
  inbox: { rate: { perSecond: number; burst: number } };
  /** Admission: when the worker takes a room, and how fast it starts one (see `worker/`). */
  admission: AdmissionSettings;
  /** The write path while the database is unreachable (see `session/recorder.ts`). */
  storage: {
    /** Rows kept in memory per session before newer ones spill to `spillDir`. */
    bufferRows: number;
    /** Where writes past the buffer, and those still waiting when a session ends, are kept. */
    spillDir: string;
    /** Longest wait at the end of a session for waiting writes before they are left in `spillDir`. */
    drainMs: number;
  };
}

type TriggerSettings = z.infer<typeof triggerSettingsSchema>;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const fps = z.coerce.number().finite().positive('must be a positive number of frames per second');
const videoSide = int(16, 4096);

const jsonTriggers = z.string().transform((raw, ctx) => {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"long-pause":{"minSeconds":10}}' });
    return z.NEVER;
  }
});

const envSchema = z
  .object({
    LIVEKIT_URL: z.string().url().default('ws://127.0.0.1:7880'),
    LIVEKIT_API_KEY: z.string().min(1).optional(),
    LIVEKIT_API_SECRET: z.string().min(1).optional(),
    AGENT_NAME: z.string().min(1).max(64).default('interview-helper'),
    AGENT_HEALTH_PORT: int(0, 65_535).default(8081),
    AGENT_MAX_JOBS: int(1, 256).default(4),
    AGENT_ROOMS_PER_PROCESS: int(1, 64).default(4),
    AGENT_JOB_MEMORY_WARN_MB: int(0, 1_000_000).default(1000),
    AGENT_JOB_MEMORY_LIMIT_MB: int(0, 1_000_000).default(0),
    AGENT_JOB_SEMI_SPACE_MB: int(0, 1024).default(32),
    AGENT_HOST_MALLOC: z
      .string()
      .default('system')
      .transform((v, ctx) => {
        const r = resolveHostAllocator(v);
        if (!('problem' in r)) return r.library;
        ctx.addIssue({ code: 'custom', message: r.problem });
        return z.NEVER;
      }),
    /** Node's own options for every process; one that sizes the young generation wins over the setting above. */
    NODE_OPTIONS: z.string().optional(),
    AGENT_STATS_INTERVAL_MS: int(250, 60_000).default(2000),
    /**
     * Read by the framework's event-loop monitor (`@livekit/agents`) in the worker and every job process: blocks of
     * the event loop longer than this are logged, and the monitor wakes every fifth of it (20–50 ms) on the job's
     * thread and on a watchdog thread. The framework's 100 ms means 50 wake-ups a second in each; 250 (50 ms) is
     * enough here, where each job measures its own analysis lag and event-loop delay. 0 turns the monitor off.
     */
    LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS: int(0, 60_000).default(250),
    INBOX_RATE_PER_SECOND: int(1, 100_000).default(50),
    INBOX_RATE_BURST: int(1, 100_000).default(200),
    SESSION_IDLE_END_MINUTES: z.coerce
      .number()
      .finite()
      .min(0)
      .max(24 * 60)
      .default(10),
    /** Read by the worker CLI itself (`@livekit/agents`); checked here so that a bad value is named at start. */
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    DATABASE_URL: z.string().min(1).optional(),
    ANTHROPIC_API_KEY: z.string().min(1).optional(),
    ANTHROPIC_BASE_URL: z.string().url().optional(),
    HINTS_MODEL: z.string().min(1).max(128).default('claude-haiku-4-5'),
    HINTS_MIN_INTERVAL_MS: int(0, 600_000).default(15_000),
    HINTS_LLM_BUDGET_MS: int(100, 60_000).default(6000),
    HINTS_TRIGGERS: jsonTriggers.pipe(triggerSettingsSchema).optional(),
    PLAN_MATCHER: z.enum(['auto', 'keywords']).default('auto'),
    PLAN_LLM_BUDGET_MS: int(100, 60_000).default(4000),
    STT_ENGINE: z.enum(['local', 'openai', 'none']).default('local'),
    STT_MODE: z.enum(['batch', 'realtime']).optional(),
    STT_LOCAL_MODEL: z.enum(['base', 'tiny.en']).default('base'),
    STT_LOCAL_FALLBACK_MODEL: z.enum(['tiny.en', 'none']).default('tiny.en'),
    STT_LOCAL_FALLBACK_AFTER_MS: int(0, 60_000).default(2000),
    STT_LOCAL_URL: z.string().url().optional(),
    STT_QUEUE: int(1, 1000).default(16),
    STT_WORKERS: int(1, 16).default(1),
    STT_THREADS: int(1, 16).default(1),
    STT_MODELS_DIR: z.string().min(1).optional(),
    STT_BASE_URL: z.string().url().optional(),
    STT_MODEL: z.string().min(1).optional(),
    STT_LANGUAGE: z.string().min(2).default('en'),
    STT_TIMEOUT_MS: int(500, 300_000).default(20_000),
    STT_MAX_ATTEMPTS: int(1, 10).default(4),
    STT_END_SILENCE_MS: int(300, 3000).default(600),
    STT_PYTHON: z.string().min(1).optional(),
    OPENAI_API_KEY: z.string().min(1).optional(),
    VAD_LONG_PAUSE_SECONDS: z.coerce.number().min(1).max(600).default(8),
    VAD_MAX_BACKLOG_MS: int(1000, 600_000).default(5000),
    VISION_FPS: fps.optional(),
    VISION_FPS_SPEAKING: fps.optional(),
    VISION_FPS_IDLE: fps.optional(),
    VISION_POSE: z.enum(['on', 'off']).default('on'),
    VISION_POSE_FPS: fps.optional(),
    VISION_VIDEO_WIDTH: videoSide.default(defaultVideoDimensions.width),
    VISION_VIDEO_HEIGHT: videoSide.default(defaultVideoDimensions.height),
    MODELS_DIR: z.string().min(1).optional(),
    // Vision inference: one service per worker shared by its job processes, or sessions in each job
    VISION_INFERENCE: z.enum(['shared', 'local']).default('shared'),
    VISION_INFERENCE_SOCKET: z.string().min(1).optional(),
    VISION_INFERENCE_THREADS: int(1, 16).default(1),
    VISION_INFERENCE_QUEUE: int(1, 10_000).default(64),
    VISION_INFERENCE_DEADLINE_MS: int(50, 60_000).default(1000),
    CONDUCT_NOTES: z.enum(['on', 'off']).default('on'),
    AGENT_METRICS: z.enum(['on', 'off']).default('on'),
    AGENT_METRICS_PORT: int(0, 65_535).default(8082),
    AGENT_METRICS_PUSH_MS: int(250, 60_000).default(2000),
    /** Set by the worker for its job processes (where they push their metrics). */
    AGENT_METRICS_PUSH_URL: z.string().url().optional(),
    // admission
    AGENT_CPU_LIMIT: z.coerce.number().gt(0).max(1).default(0.8),
    AGENT_CPU_CORES: z.coerce.number().positive().max(1024).optional(),
    AGENT_LAG_LIMIT_MS: int(100, 600_000).default(1500),
    AGENT_IDLE_PROCESSES: int(1, 64).optional(),
    AGENT_INIT_TIMEOUT_MS: int(1000, 600_000).default(60_000),
    STORAGE_BUFFER_ROWS: int(10, 10_000_000).default(10_000),
    STORAGE_SPILL_DIR: z.string().min(1).default('.data/spill'),
    STORAGE_DRAIN_MS: int(0, 600_000).default(10_000),
  })
  .superRefine((e, ctx) => {
    if (e.STT_ENGINE === 'openai' && !e.OPENAI_API_KEY && !e.STT_BASE_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['STT_ENGINE'],
        message: 'openai needs OPENAI_API_KEY or STT_BASE_URL',
      });
  });

/** The agent configuration is invalid; `issues` lists every problem, each naming its variable. */
export class AgentConfigError extends Error {
  readonly issues: string[];

  constructor(issues: string[]) {
    super(`Invalid agent configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'AgentConfigError';
    this.issues = issues;
  }
}

/**
 * Reads the agent configuration from `env` (names as in the README; empty values count as unset).
 * @throws AgentConfigError naming every missing or invalid variable.
 */
export function loadAgentConfig(env: Record<string, string | undefined> = process.env): AgentConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new AgentConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  return {
    livekit: { url: e.LIVEKIT_URL, apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET },
    worker: {
      agentName: e.AGENT_NAME,
      healthPort: e.AGENT_HEALTH_PORT,
      maxJobs: e.AGENT_MAX_JOBS,
      roomsPerProcess: e.AGENT_ROOMS_PER_PROCESS,
      semiSpaceMb: SEMI_SPACE_FLAG.test(e.NODE_OPTIONS ?? '') ? 0 : e.AGENT_JOB_SEMI_SPACE_MB,
      hostEnv: preloadEnv(e.AGENT_HOST_MALLOC, env),
      loopBlockWarnMs: e.LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS,
      memoryWarnMb: e.AGENT_JOB_MEMORY_WARN_MB,
      memoryLimitMb: e.AGENT_JOB_MEMORY_LIMIT_MB,
    },
    databaseUrl: e.DATABASE_URL,
    statsIntervalMs: e.AGENT_STATS_INTERVAL_MS,
    session: { idleEndMinutes: e.SESSION_IDLE_END_MINUTES },
    plan: {
      matcher: e.PLAN_MATCHER === 'auto' && e.ANTHROPIC_API_KEY ? 'llm' : 'keywords',
      llmBudgetMs: e.PLAN_LLM_BUDGET_MS,
    },
    hints: {
      ...(e.ANTHROPIC_API_KEY
        ? { anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseURL: e.ANTHROPIC_BASE_URL } }
        : {}),
      model: e.HINTS_MODEL,
      minIntervalMs: e.HINTS_MIN_INTERVAL_MS,
      llmBudgetMs: e.HINTS_LLM_BUDGET_MS,
      triggers: e.HINTS_TRIGGERS,
    },
    audio: {
      engine: e.STT_ENGINE,
      mode: e.STT_MODE ?? (e.STT_ENGINE === 'local' ? 'realtime' : 'batch'),
      localModel: `whisper-${e.STT_LOCAL_MODEL}`,
      localFallbackModel:
        e.STT_LOCAL_FALLBACK_MODEL === 'none' || e.STT_LOCAL_FALLBACK_MODEL === e.STT_LOCAL_MODEL
          ? undefined
          : `whisper-${e.STT_LOCAL_FALLBACK_MODEL}`,
      localFallbackAfterMs: e.STT_LOCAL_FALLBACK_AFTER_MS,
      localURL: e.STT_LOCAL_URL,
      queue: e.STT_QUEUE,
      workers: e.STT_WORKERS,
      threads: e.STT_THREADS,
      baseURL: e.STT_BASE_URL,
      model: e.STT_MODEL,
      language: e.STT_LANGUAGE,
      apiKey: e.OPENAI_API_KEY,
      timeoutMs: e.STT_TIMEOUT_MS,
      maxAttempts: e.STT_MAX_ATTEMPTS,
      endSilenceMs: e.STT_END_SILENCE_MS,
      python: e.STT_PYTHON,
      modelsDir: e.STT_MODELS_DIR ?? e.MODELS_DIR,
      longPauseSeconds: e.VAD_LONG_PAUSE_SECONDS,
      vadMaxBacklogMs: e.VAD_MAX_BACKLOG_MS,
    },
    vision: {
      sampling: {
        speakingFps: e.VISION_FPS_SPEAKING ?? e.VISION_FPS,
        idleFps: e.VISION_FPS_IDLE ?? e.VISION_FPS,
      },
      pose: e.VISION_POSE === 'on',
      poseFps: e.VISION_POSE_FPS,
      videoDimensions: { width: e.VISION_VIDEO_WIDTH, height: e.VISION_VIDEO_HEIGHT },
      modelsDir: modelsDir({ MODELS_DIR: e.MODELS_DIR }),
      inference: {
        mode: e.VISION_INFERENCE,
        socket: e.VISION_INFERENCE_SOCKET,
        threads: e.VISION_INFERENCE_THREADS,
        queue: e.VISION_INFERENCE_QUEUE,
        deadlineMs: e.VISION_INFERENCE_DEADLINE_MS,
        modelsDir: modelsDir({ MODELS_DIR: e.MODELS_DIR }),
      },
    },
    conduct: { enabled: e.CONDUCT_NOTES === 'on' },
    metrics: {
      enabled: e.AGENT_METRICS === 'on',
      port: e.AGENT_METRICS_PORT,
      pushMs: e.AGENT_METRICS_PUSH_MS,
      url: e.AGENT_METRICS_PUSH_URL,
    },
    inbox: { rate: { perSecond: e.INBOX_RATE_PER_SECOND, burst: e.INBOX_RATE_BURST } },
    admission: {
      cpuLimit: e.AGENT_CPU_LIMIT,
      cores: e.AGENT_CPU_CORES,
      lagLimitMs: e.AGENT_LAG_LIMIT_MS,
      // a burst of rooms up to the slots (at most 4) starts on processes that are already initialised; with
      // several rooms to a process, one started process with free slots takes such a burst
      idleProcesses:
        e.AGENT_IDLE_PROCESSES ?? (e.AGENT_ROOMS_PER_PROCESS > 1 ? 1 : Math.min(e.AGENT_MAX_JOBS, 4)),
      initializeTimeoutMs: e.AGENT_INIT_TIMEOUT_MS,
    },
    storage: {
      bufferRows: e.STORAGE_BUFFER_ROWS,
      spillDir: e.STORAGE_SPILL_DIR,
      drainMs: e.STORAGE_DRAIN_MS,
    },
  };
}

/**
 * Hands `vars` to the processes this one starts from now on (the worker's job processes inherit
 * the environment and parse it with {@link loadAgentConfig}), e.g. the shared recognizer's `STT_LOCAL_URL`.
 */
export function shareWithJobProcesses(
  vars: Record<string, string>,
  env: Record<string, string | undefined> = process.env,
): void {
  Object.assign(env, vars);
}
