import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AgentConfigError, loadAgentConfig } from './config.js';
import { DEFAULT_MODELS_DIR } from './vision/models.js';
import { resolveHostAllocator } from './worker/allocator.js';

/** The problems `env` is refused for, one line per variable. */
function issues(env: Record<string, string>): string[] {
  try {
    loadAgentConfig(env);
  } catch (err) {
    if (err instanceof AgentConfigError) return err.issues;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('loadAgentConfig', () => {
  it('has a default for everything', () => {
    const c = loadAgentConfig({});
    expect(c.livekit).toEqual({ url: 'ws://127.0.0.1:7880', apiKey: undefined, apiSecret: undefined });
    expect(c.worker).toEqual({
      agentName: 'interview-helper',
      healthPort: 8081,
      maxJobs: 4,
      roomsPerProcess: 4,
      semiSpaceMb: 32,
      hostEnv: undefined,
      loopBlockWarnMs: 250,
      memoryWarnMb: 1000,
      memoryLimitMb: 0,
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.statsIntervalMs).toBe(2000);
    expect(c.session).toEqual({ idleEndMinutes: 10 });
    expect(c.hints).toEqual({
      model: 'claude-haiku-4-5',
      minIntervalMs: 15_000,
      llmBudgetMs: 6000,
      triggers: undefined,
    });
    expect(c.audio).toMatchObject({
      engine: 'local',
      mode: 'realtime',
      localModel: 'whisper-base',
      localFallbackModel: 'whisper-tiny.en',
      localFallbackAfterMs: 2000,
      localURL: undefined,
      queue: 16,
      workers: 1,
      threads: 1,
      language: 'en',
      maxAttempts: 4,
      timeoutMs: 20_000,
      python: undefined,
      modelsDir: undefined,
      longPauseSeconds: 8,
    });
    expect(c.vision).toEqual({
      sampling: { speakingFps: undefined, idleFps: undefined },
      pose: true,
      poseFps: undefined,
      videoDimensions: { width: 480, height: 360 },
      modelsDir: DEFAULT_MODELS_DIR,
      inference: {
        mode: 'shared',
        socket: undefined,
        threads: 1,
        queue: 64,
        deadlineMs: 1000,
        modelsDir: DEFAULT_MODELS_DIR,
      },
    });
  });

  it('reads every setting, empty values counting as unset', () => {
    const c = loadAgentConfig({
      LIVEKIT_URL: 'wss://lk.example.org',
      AGENT_MAX_JOBS: '2',
      DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
      ANTHROPIC_API_KEY: 'sk-test',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/',
      HINTS_MIN_INTERVAL_MS: '0',
      HINTS_TRIGGERS: '{"long-pause":{"minSeconds":10}}',
      STT_ENGINE: 'openai',
      STT_BASE_URL: 'http://127.0.0.1:9/v1',
      STT_MODE: 'realtime',
      VAD_LONG_PAUSE_SECONDS: '5',
      VAD_MAX_BACKLOG_MS: '8000',
      VISION_FPS: '3',
      VISION_FPS_IDLE: '0.5',
      VISION_POSE: 'off',
      VISION_VIDEO_WIDTH: '320',
      VISION_VIDEO_HEIGHT: '180',
      MODELS_DIR: 'some/models',
      OPENAI_API_KEY: '',
      LIVEKIT_API_KEY: '  ',
    });
    expect(c.livekit).toEqual({ url: 'wss://lk.example.org', apiKey: undefined, apiSecret: undefined });
    expect(c.worker.maxJobs).toBe(2);
    expect(c.databaseUrl).toBe('postgres://u@127.0.0.1:5432/db');
    expect(c.hints.anthropic).toEqual({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/' });
    expect(c.hints.minIntervalMs).toBe(0);
    expect(c.hints.triggers).toEqual({ 'long-pause': { minSeconds: 10 } });
    expect(c.audio).toMatchObject({ engine: 'openai', mode: 'realtime', baseURL: 'http://127.0.0.1:9/v1' });
    expect(c.audio.apiKey).toBeUndefined();
    expect(c.audio.longPauseSeconds).toBe(5);
    expect(c.audio.vadMaxBacklogMs).toBe(8000);
    expect(loadAgentConfig({}).audio.vadMaxBacklogMs).toBe(5000);
    // VISION_FPS sets both rates; the specific one wins
    expect(c.vision.sampling).toEqual({ speakingFps: 3, idleFps: 0.5 });
    expect(c.vision.pose).toBe(false);
    expect(c.vision.videoDimensions).toEqual({ width: 320, height: 180 });
    expect(c.vision.modelsDir).toBe(resolve('some/models'));
  });

  it("reads the framework's event-loop block threshold (0 turns its monitor off) and refuses a bad one", () => {
    expect(loadAgentConfig({ LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS: '0' }).worker.loopBlockWarnMs).toBe(0);
    expect(loadAgentConfig({ LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS: '100' }).worker.loopBlockWarnMs).toBe(100);
    expect(issues({ LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS: '-5' }).map((i) => i.split(':')[0])).toEqual([
      'LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS',
    ]);
  });

  it('reads the local recognizer settings', () => {
    const c = loadAgentConfig({
      STT_LOCAL_MODEL: 'tiny.en',
      STT_LOCAL_URL: 'http://127.0.0.1:9/v1',
      STT_QUEUE: '4',
      STT_WORKERS: '2',
      STT_THREADS: '3',
      STT_MODELS_DIR: '/tmp/stt',
      STT_MODE: 'batch',
    });
    expect(c.audio).toMatchObject({
      engine: 'local',
      mode: 'batch',
      localModel: 'whisper-tiny.en',
      localFallbackModel: undefined, // tiny.en has no faster model to fall back on
      localURL: 'http://127.0.0.1:9/v1',
      queue: 4,
      workers: 2,
      threads: 3,
      modelsDir: '/tmp/stt',
    });
    expect(loadAgentConfig({ STT_ENGINE: 'openai', OPENAI_API_KEY: 'k' }).audio.mode).toBe('batch');
    const none = loadAgentConfig({ STT_LOCAL_FALLBACK_MODEL: 'none', STT_LOCAL_FALLBACK_AFTER_MS: '500' });
    expect(none.audio).toMatchObject({ localFallbackModel: undefined, localFallbackAfterMs: 500 });
    expect(() => loadAgentConfig({ STT_LOCAL_FALLBACK_MODEL: 'large' })).toThrow(/STT_LOCAL_FALLBACK_MODEL/);
  });

  it('reads the metrics settings (on by default, port 8082, a push every 2 s)', () => {
    expect(loadAgentConfig({}).metrics).toEqual({ enabled: true, port: 8082, pushMs: 2000, url: undefined });
    expect(
      loadAgentConfig({
        AGENT_METRICS: 'off',
        AGENT_METRICS_PORT: '0',
        AGENT_METRICS_PUSH_MS: '500',
        AGENT_METRICS_PUSH_URL: 'http://127.0.0.1:9100/internal/metrics',
      }).metrics,
    ).toEqual({ enabled: false, port: 0, pushMs: 500, url: 'http://127.0.0.1:9100/internal/metrics' });
    expect(
      issues({ AGENT_METRICS_PORT: '70000', AGENT_METRICS_PUSH_MS: '10' }).map((i) => i.split(':')[0]),
    ).toEqual(['AGENT_METRICS_PORT', 'AGENT_METRICS_PUSH_MS']);
  });

  it('refuses bad values, naming each variable', () => {
    expect(issues({ VISION_POSE_FPS: 'fast' })).toEqual([expect.stringMatching(/^VISION_POSE_FPS: /)]);
    expect(issues({ VISION_FPS_IDLE: '-1', VISION_FPS_SPEAKING: '0' }).map((i) => i.split(':')[0])).toEqual([
      'VISION_FPS_SPEAKING',
      'VISION_FPS_IDLE',
    ]);
    expect(
      issues({ VISION_VIDEO_WIDTH: 'wide', VISION_VIDEO_HEIGHT: '0' }).map((i) => i.split(':')[0]),
    ).toEqual(['VISION_VIDEO_WIDTH', 'VISION_VIDEO_HEIGHT']);
    expect(issues({ VISION_POSE: 'of' })[0]).toMatch(/^VISION_POSE: /);
    expect(issues({ STT_ENGINE: 'whisper' })[0]).toMatch(/^STT_ENGINE: /);
    expect(issues({ STT_ENGINE: 'local', STT_MODE: 'live' })[0]).toMatch(/^STT_MODE: /);
    expect(issues({ STT_LOCAL_MODEL: 'large' })[0]).toMatch(/^STT_LOCAL_MODEL: /);
    expect(issues({ STT_QUEUE: '0' })[0]).toMatch(/^STT_QUEUE: /);
    expect(issues({ STT_ENGINE: 'openai' })).toEqual([
      'STT_ENGINE: openai needs OPENAI_API_KEY or STT_BASE_URL',
    ]);
    expect(issues({ VAD_LONG_PAUSE_SECONDS: 'soon' })[0]).toMatch(/^VAD_LONG_PAUSE_SECONDS: /);
    expect(issues({ VAD_MAX_BACKLOG_MS: '100' })[0]).toMatch(/^VAD_MAX_BACKLOG_MS: /);
    expect(issues({ HINTS_TRIGGERS: '{long-pause' })[0]).toMatch(/^HINTS_TRIGGERS: must be JSON/);
    expect(issues({ HINTS_TRIGGERS: '{"long-pause":8}' })[0]).toMatch(/^HINTS_TRIGGERS/);
    expect(issues({ AGENT_MAX_JOBS: '0', LOG_LEVEL: 'loud' }).map((i) => i.split(':')[0])).toEqual([
      'AGENT_MAX_JOBS',
      'LOG_LEVEL',
    ]);
    expect(() => loadAgentConfig({ LIVEKIT_URL: 'nowhere' })).toThrow(
      /Invalid agent configuration:\n {2}- LIVEKIT_URL/,
    );
  });
});

describe('the environment', () => {
  it('is read by config.ts only (log.ts falls back on LOG_LEVEL outside the worker; test helpers aside)', () => {
    const src = fileURLToPath(new URL('.', import.meta.url));
    const readers = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('testing.ts'))
      .filter((f) => readFileSync(join(src, f), 'utf8').includes('process.env'))
      .sort();
    expect(readers).toEqual(['config.ts', 'log.ts']);
  });
});

describe('main.ts', () => {
  it('stops at start with a message naming the bad variable', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'start'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { PATH: process.env.PATH ?? '', VISION_POSE_FPS: 'fast' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(output).toContain('Invalid agent configuration');
    expect(output).toMatch(/VISION_POSE_FPS: /);
    expect(code).toBe(1);
  });
});

describe('admission settings', () => {
  it('default to 80 % of the cores, 1.5 s of lag, one spare room host (or warm processes up to the slots, at most 4, with one room per process), 60 s to start', () => {
    expect(loadAgentConfig({}).admission).toEqual({
      cpuLimit: 0.8,
      cores: undefined,
      lagLimitMs: 1500,
      idleProcesses: 1,
      initializeTimeoutMs: 60_000,
    });
    expect(loadAgentConfig({}).worker.roomsPerProcess).toBe(4);
    const one = { AGENT_ROOMS_PER_PROCESS: '1' };
    expect(loadAgentConfig({ ...one, AGENT_MAX_JOBS: '2' }).admission.idleProcesses).toBe(2);
    expect(loadAgentConfig({ ...one, AGENT_MAX_JOBS: '16' }).admission.idleProcesses).toBe(4);
    expect(() => loadAgentConfig({ AGENT_ROOMS_PER_PROCESS: '0' })).toThrow(/AGENT_ROOMS_PER_PROCESS/);
    expect(loadAgentConfig({ AGENT_JOB_SEMI_SPACE_MB: '0' }).worker.semiSpaceMb).toBe(0);
    // an operator's NODE_OPTIONS that sizes the young generation is left to apply
    expect(loadAgentConfig({ NODE_OPTIONS: '--max_semi_space_size=8' }).worker.semiSpaceMb).toBe(0);
    expect(loadAgentConfig({ NODE_OPTIONS: '--max-old-space-size=4096' }).worker.semiSpaceMb).toBe(32);
    expect(() => loadAgentConfig({ AGENT_JOB_SEMI_SPACE_MB: '-1' })).toThrow(/AGENT_JOB_SEMI_SPACE_MB/);
    // the room hosts' malloc: the C library's, the installed jemalloc, or a library given by path
    expect(
      loadAgentConfig({ AGENT_HOST_MALLOC: 'system', LD_PRELOAD: '/x/libfoo.so' }).worker.hostEnv,
    ).toBeUndefined();
    const jemalloc = resolveHostAllocator('jemalloc') as { library: string };
    expect(jemalloc).toEqual({ library: expect.stringMatching(/libjemalloc\.so\.2$/) });
    expect(
      loadAgentConfig({ AGENT_HOST_MALLOC: 'jemalloc', PATH: '/bin', LD_PRELOAD: '/x/libfoo.so' }).worker
        .hostEnv,
    ).toEqual({
      AGENT_HOST_MALLOC: 'jemalloc',
      PATH: '/bin',
      LD_PRELOAD: `${jemalloc.library}:/x/libfoo.so`,
    });
    expect(loadAgentConfig({ AGENT_HOST_MALLOC: process.execPath }).worker.hostEnv?.LD_PRELOAD).toBe(
      process.execPath,
    );
    expect(issues({ AGENT_HOST_MALLOC: 'tcmalloc' })).toEqual([
      'AGENT_HOST_MALLOC: must be system, jemalloc or the absolute path of a malloc library, got "tcmalloc"',
    ]);
    expect(issues({ AGENT_HOST_MALLOC: '/nowhere/libjemalloc.so.2' })).toEqual([
      'AGENT_HOST_MALLOC: no such file: /nowhere/libjemalloc.so.2',
    ]);
    expect(
      loadAgentConfig({ AGENT_CPU_LIMIT: '0.5', AGENT_CPU_CORES: '1.5', AGENT_IDLE_PROCESSES: '8' })
        .admission,
    ).toMatchObject({ cpuLimit: 0.5, cores: 1.5, idleProcesses: 8 });
  });

  it('are refused when they make no sense', () => {
    expect(
      issues({ AGENT_CPU_LIMIT: '1.5', AGENT_LAG_LIMIT_MS: '5', AGENT_IDLE_PROCESSES: '0' }).map(
        (i) => i.split(':')[0],
      ),
    ).toEqual(['AGENT_CPU_LIMIT', 'AGENT_LAG_LIMIT_MS', 'AGENT_IDLE_PROCESSES']);
  });
});
