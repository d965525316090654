/**
 * Benchmark: where one room's job process spends its CPU. The independent Go client plays one interview into the
 * real stack (livekit-server, token server, agent worker; speech-to-text off unless CPU_PROFILE_STT=1): a
 * 640×480 VP8 camera at 30 fps (a shared photo with per-frame sensor noise, 1 Mbit/s, as a webcam sends) and the
 * `camera-episodes` scenario's Opus microphones. Once the media runs, it measures the job process:
 *
 * - window A (no profiler): CPU of the whole process and of each thread, grouped by thread name into stages
 *   (video decode and transport in libwebrtc's threads, V8's concurrent GC, the JS thread), and its RSS;
 * - window B: a V8 CPU profile of the JS thread, split by source file into stages (RGB conversion, resizing, each
 *   model's pre/post-processing, ONNX inference, VAD, pitch, delivery, messaging, GC, …), scaled to the JS
 *   thread's CPU of window A;
 * - the ONNX inference time is split per model with each model's CPU per run measured in this process on the
 *   same inputs, times its runs per second in the room (from the face and pose summaries the agent sent).
 *
 *   npm run bench:cpu                               (inside the e2e network namespace; needs root)
 *   CPU_PROFILE_RUNTIMES=source,compiled CPU_PROFILE_LABEL=before npm run bench:cpu
 *   CPU_PROFILE_SIMULCAST=480x360@15 CPU_PROFILE_LABEL=simulcast npm run bench:cpu
 *   CPU_PROFILE_STT=1 CPU_PROFILE_LABEL=stt npm run bench:cpu     (local speech-to-text: the job side of transcription)
 *
 * CPU_PROFILE_SIMULCAST publishes the camera as one simulcast track: the same 640×480@30 layer plus a lower layer
 * of that size and rate (built from the same noisy picture, 300 kbit/s), as the web client publishes a candidate's
 * camera; the agent then receives the layer its VISION_VIDEO_WIDTH×HEIGHT request picks.
 *
 * Also what the job process's memory is made of (smaps: RSS, PSS, private, the biggest mappings; V8: heap before and
 * after a full collection, per space), read after the CPU windows.
 *
 * Core-seconds per second of interview per stage → bench-results/cpu-profile.json (runs under other labels kept);
 * the raw V8 profile → test-artifacts/cpu-profile/<label>-<runtime>.cpuprofile.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack } from '../test/e2e/harness/stack.js';
import { ARTIFACTS_DIR, ROOT } from '../test/fixtures/paths.js';
import { loadScenario } from '../test/replay/load.js';
import { playScenario } from '../test/replay/run.js';
import { camera, FPS, parseLayer } from './cpu-profile-camera.js';
import { modelCosts } from './cpu-profile-models.js';
import {
  descendants,
  memoryComposition,
  processCpu,
  profileStages,
  recordProfile,
  rssMb,
  threadCpu,
  threadShares,
  v8Memory,
} from './cpu-profile-proc.js';
import { isJobProcess } from './proc-sampler.js';

const WARMUP_S = Number(process.env.CPU_PROFILE_WARMUP_S ?? 6);
const WINDOW_S = Number(process.env.CPU_PROFILE_WINDOW_S ?? 20);
const PROFILE_S = Number(process.env.CPU_PROFILE_PROFILE_S ?? 12);
const RUNTIMES = (process.env.CPU_PROFILE_RUNTIMES ?? 'compiled').split(',') as ('source' | 'compiled')[];
const LABEL = process.env.CPU_PROFILE_LABEL ?? 'current';
/** `WxH@fps` of a lower simulcast layer, or undefined: one 640×480 track. */
const SIMULCAST = parseLayer(process.env.CPU_PROFILE_SIMULCAST);
/** `CPU_PROFILE_STT=1`: local speech-to-text on (one shared recognizer), to see the job side of transcription. */
const STT = process.env.CPU_PROFILE_STT === '1';
const OUT = join(ROOT, 'bench-results/cpu-profile.json');
const r4 = (x: number) => Number(x.toFixed(4));
const round = (o: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, r4(v)]),
  );

/** Resolves with the job process once the room's job runs (the busiest job process of the worker). */
async function jobProcess(workerPid: number): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const jobs = descendants(workerPid).filter((p) => isJobProcess(p.cmdline));
    if (jobs.length) {
      const a = jobs.map((j) => ({ pid: j.pid, cpu: processCpu(j.pid) }));
      await sleep(1000);
      const busiest = a
        .map((j) => ({ pid: j.pid, d: processCpu(j.pid) - j.cpu }))
        .sort((x, y) => y.d - x.d)[0];
      if (busiest && busiest.d > 0.05) return busiest.pid;
    } else await sleep(500);
  }
  throw new Error('no busy job process appeared');
}

async function waitForT0(eventsFile: string): Promise<void> {
  for (let i = 0; i < 1800; i++) {
    if (existsSync(eventsFile) && readFileSync(eventsFile, 'utf8').includes('"event":"t0"')) return;
    await sleep(100);
  }
  throw new Error('the client never reached t0');
}

/** Analysed rates from the face and pose summaries the interviewer received. */
function visionRates(eventsFile: string) {
  const values = (kind: string) =>
    readFileSync(eventsFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes(`\\"kind\\":\\"${kind}\\"`))
      .map((l) => (JSON.parse(JSON.parse(l).text) as { values: Record<string, number> }).values);
  const face = values('face-summary');
  const pose = values('pose-summary');
  const sum = (xs: Record<string, number>[], k: string) => xs.reduce((a, x) => a + (x[k] ?? 0), 0);
  const faceFrames = sum(face, 'framesAnalysed');
  const video = values('video-frames');
  return {
    agentVideoFps: video.length ? sum(video, 'fps') / video.length : undefined,
    // windows per frame size the agent received (the first ones may come at full size before the layer switch)
    agentVideoSizes: video.reduce<Record<string, number>>((n, x) => {
      const size = `${x.width}x${x.height}`;
      n[size] = (n[size] ?? 0) + 1;
      return n;
    }, {}),
    faceFps: face.length ? sum(face, 'analysedFps') / face.length : undefined,
    faceLandmarkShare: faceFrames ? sum(face, 'landmarkFrames') / faceFrames : 1,
    irisShare: faceFrames ? sum(face, 'irisFrames') / faceFrames : 1,
    poseFps: pose.length ? sum(pose, 'analysedFps') / pose.length : undefined,
    poseRunsPerFrame: pose.length ? sum(pose, 'modelRunsPerFrame') / pose.length : 1,
  };
}

async function measure(runtime: 'source' | 'compiled') {
  const scenario = await loadScenario(join(ROOT, 'test/replay/scenarios/camera-episodes'));
  scenario.video = camera(Math.ceil(scenario.mediaMs / 1000));
  if (SIMULCAST) scenario.videoLayers = [camera(Math.ceil(scenario.mediaMs / 1000), SIMULCAST)];
  if (scenario.mediaMs / 1000 < WARMUP_S + WINDOW_S + PROFILE_S + 2)
    throw new Error('the scenario is shorter than the measurement windows');
  const stack = await startStack({ runtime, agentEnv: { STT_ENGINE: STT ? 'local' : 'none' } });
  try {
    const workerPid = stack.agent.pid;
    const idle = descendants(workerPid).filter((p) => isJobProcess(p.cmdline));
    const idleRss = idle.map((p) => rssMb(p.pid));
    const artifacts = join(ARTIFACTS_DIR, 'replay', scenario.name, 'run-1');
    const events = join(artifacts, 'events.jsonl');
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(events, '');
    const played = playScenario({ url: stack.tokenServerUrl }, scenario, 1);
    const measured = (async () => {
      await waitForT0(events);
      const pid = await jobProcess(workerPid);
      await sleep(WARMUP_S * 1000);
      const t0 = performance.now();
      const cpu0 = processCpu(pid);
      const threads0 = threadCpu(pid);
      await sleep(WINDOW_S * 1000);
      const seconds = (performance.now() - t0) / 1000;
      const total = (processCpu(pid) - cpu0) / seconds;
      const threads = threadShares(threads0, threadCpu(pid), seconds, pid);
      const rss = rssMb(pid);
      const memory = memoryComposition(pid);
      const loadAverage = loadavg()[0] as number;
      const raw = await recordProfile(pid, PROFILE_S);
      // the raw profile, for a closer look (Chrome DevTools → Performance, or `profileStages`)
      const saved = join(ARTIFACTS_DIR, 'cpu-profile', `${LABEL}-${runtime}.cpuprofile`);
      mkdirSync(dirname(saved), { recursive: true });
      writeFileSync(saved, JSON.stringify(raw));
      const profile = profileStages(raw);
      // last: the full collection it forces would show up in the CPU figures
      memory.v8 = await v8Memory().catch(() => undefined);
      return { pid, total, threads, rss, memory, profile, loadAverage };
    })();
    const [run, m] = await Promise.all([
      played.catch((err: unknown) => ({ pass: false, sessionId: String(err) })),
      measured,
    ]);
    const jsThread = m.threads.byStage['js-main-thread'] ?? 0;
    const profiled = Object.values(m.profile).reduce((a, b) => a + b, 0);
    // the JS thread's stages, scaled to its CPU without the profiler running
    const js = Object.fromEntries(Object.entries(m.profile).map(([k, v]) => [k, (v / profiled) * jsThread]));
    const rates = visionRates(events);
    return {
      runtime,
      room: {
        camera: `640x480 VP8 ${FPS} fps, 1 Mbit/s${SIMULCAST ? `, simulcast with ${SIMULCAST.width}x${SIMULCAST.height} VP8 ${SIMULCAST.fps} fps, 300 kbit/s` : ''}`,
        microphones: 'Opus (candidate, interviewer)',
        speechToText: STT ? 'local' : 'off',
      },
      windowSeconds: { threads: WINDOW_S, profile: PROFILE_S, afterT0: WARMUP_S },
      machineLoadAverage1m: Number(m.loadAverage.toFixed(1)),
      vadBehindWarnings: (stack.agent.output().match(/VAD inference is slower than realtime/g) ?? []).length,
      jobCpuCores: r4(m.total),
      jobRssMb: Math.round(m.rss),
      jobMemoryMb: m.memory,
      idleJobProcessRssMb: idleRss.map(Math.round),
      threads: round(m.threads.byStage),
      threadNames: round(m.threads.byThreadName),
      jsThreadStages: round(js),
      jsThreadProfiledCores: r4(profiled),
      vision: rates,
      clientRun: { pass: run.pass, sessionId: run.sessionId },
    };
  } finally {
    await stack.stop();
  }
}

const models = await modelCosts();
type Measured = Awaited<ReturnType<typeof measure>>;

/** Per-model split of the room's ONNX time and the job CPU at the sampler's nominal rates. */
function withModels(r: Measured) {
  const onnx = r.jsThreadStages['onnx inference (all models)'] ?? 0;
  const v = r.vision;
  const perSecond = {
    'face detector': (v.faceFps ?? 0) * models['blazeface-front'],
    'face mesh': (v.faceFps ?? 0) * v.faceLandmarkShare * models['face-landmark'],
    iris: (v.faceFps ?? 0) * v.irisShare * 2 * models['iris-landmark'],
    // landmark runs per analysed frame; the person detector runs only while nobody is tracked
    'pose landmarks': (v.poseFps ?? 0) * v.poseRunsPerFrame * models['pose-landmark-full'],
  };
  const sum = Object.values(perSecond).reduce((a, b) => a + b, 0);
  // vision at the sampler's nominal rates (1 fps idle, 2 fps speaking) instead of the rates reached in the room
  const perFaceFrame =
    (models['blazeface-front'] +
      v.faceLandmarkShare * models['face-landmark'] +
      v.irisShare * 2 * models['iris-landmark']) /
    1000;
  const perPoseFrame = (v.poseRunsPerFrame * models['pose-landmark-full']) / 1000;
  const reached = (v.faceFps ?? 0) * perFaceFrame + (v.poseFps ?? 0) * perPoseFrame;
  const atRate = (fps: number) => r4(r.jobCpuCores - reached + fps * (perFaceFrame + perPoseFrame));
  return {
    ...r,
    jobCpuCoresAtNominalVisionRates: { idle1fps: atRate(1), speaking2fps: atRate(2) },
    onnxPerModel: {
      cpuMsPerRun: models,
      coresEstimated: round(Object.fromEntries(Object.entries(perSecond).map(([k, x]) => [k, x / 1000]))),
      coresInRoomSplit: round(
        Object.fromEntries(Object.entries(perSecond).map(([k, x]) => [k, sum ? (onnx * x) / sum : 0])),
      ),
    },
  };
}

/** Adds `r` to bench-results/cpu-profile.json under `<label>/<runtime>`, keeping the other runs. */
function save(r: ReturnType<typeof withModels>): void {
  const previous = existsSync(OUT)
    ? (JSON.parse(readFileSync(OUT, 'utf8')) as { runs?: Record<string, unknown> })
    : {};
  const report = {
    bench: 'cpu-profile',
    at: new Date().toISOString(),
    machine: { cores: availableParallelism() },
    runs: { ...(previous.runs ?? {}), [`${LABEL}/${r.runtime}`]: { at: new Date().toISOString(), ...r } },
  };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
}

for (const runtime of RUNTIMES) {
  const r = withModels(await measure(runtime));
  save(r);
  console.log(JSON.stringify(r, null, 2));
}
process.exit(0);
