/**
 * Shared inference benchmark (JSON to stdout and bench-results/inference.json):
 * - `memory`: RSS of a stand-in job process (the composition root's code, the face and pose
 *   pipelines on real photos) with the five models in the process and with them in the shared
 *   service, and the service's own RSS;
 * - `hop`: per model, the median run in this process against the median round trip through the
 *   service, and the hop's share (round trip minus the run inside the service);
 * - `faceFrame`: a whole face frame here, through the service a request per model, and in one request;
 * - `rooms`: N rooms' worth of face + pose frames at `BENCH_FPS` (default 2, the speaking rate)
 *   sent by stand-in job processes for `BENCH_SECONDS` each, the face frames a request per model and in one
 *   request (`BENCH_FACE_REQUESTS=per-model,frame`): the service's CPU (cores), per-frame
 *   latency p50/p95 and frames skipped.
 *
 *   npm run bench:inference -w agent     (BENCH_ROOMS=1,4,8,16 BENCH_SECONDS=20 BENCH_THREADS=1)
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ROOT } from '../../test/fixtures/paths.js';
import { InferenceClient } from '../src/inference/client.js';
import { InferenceService } from '../src/inference/service.js';
import { SharedFacePipeline } from '../src/inference/shared-face-pipeline.js';
import { type FaceObserver, FacePipeline } from '../src/vision/face-pipeline.js';
import { modelsDir } from '../src/vision/models.js';
import { localOnnxSession, sessionRunner, setOnnxSessionProvider } from '../src/vision/onnx-sessions.js';
import { ensureModels, photo } from '../src/vision/testing.js';

const RUNS = Number(process.env.BENCH_RUNS) || 200;
const ROOMS = (process.env.BENCH_ROOMS ?? '1,4,8,16').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS) || 20;
const FPS = Number(process.env.BENCH_FPS) || 2;
const THREADS = Number(process.env.BENCH_THREADS) || 1;
/** How the rooms' face frames reach the service: `per-model` (a request per model) and/or `frame` (one per frame). */
const FACE_REQUESTS = (process.env.BENCH_FACE_REQUESTS ?? 'per-model,frame').split(',');
const JOBS = 4;

const failed = await ensureModels();
if (failed.length) throw failed[0];
const r2 = (x: number) => Number(x.toFixed(2));
const r3 = (x: number) => Number(x.toFixed(3));
const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return r2(s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0);
};

/** Forks a stand-in job process and resolves with its one IPC answer. */
function job<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(join(import.meta.dirname, 'inference-job.ts'), args, {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`job exited (${code}) without an answer`)));
  });
}

const service = new InferenceService({
  socket: join(mkdtempSync(join(tmpdir(), 'bench-inference-')), 'vision.sock'),
  modelsDir: modelsDir(process.env),
  intraOpThreads: THREADS,
  maxQueue: 256,
});

// 1. memory of one job process: models in the process, then in the service
type Memory = { codeMB: number; analysingMB: number; peakMB: number };
const local = await job<Memory>(['--mode', 'memory']);
await service.start();
const idleServiceMB = (await service.stats()).rssBytes / 2 ** 20;
const shared = await job<Memory>(['--mode', 'memory', '--socket', service.socket]);
const afterOneMB = (await service.stats()).rssBytes / 2 ** 20;
const shared2 = await job<Memory>(['--mode', 'memory', '--socket', service.socket]);
const afterTwoMB = (await service.stats()).rssBytes / 2 ** 20;
const memory = {
  localJob: local,
  sharedJob: shared,
  secondSharedJob: shared2,
  perJobSavedMB: r2(local.analysingMB - shared.analysingMB),
  service: { idleMB: r2(idleServiceMB), afterOneJobMB: r2(afterOneMB), afterTwoJobsMB: r2(afterTwoMB) },
};
console.error('memory', JSON.stringify(memory));

// 2. the hop: the same input through a session in this process and through the service, asking for the outputs
// the model's wrapper reads (the pose landmark model also with all its outputs, as before it asked)
const hop: Record<string, unknown> = {};
const READ = ['Identity', 'Identity_1'];
for (const [label, name, input, shape, fetches] of [
  ['blazeface-front', 'blazeface-front', 'input:0', [1, 128, 128, 3], undefined],
  ['face-landmark', 'face-landmark', 'input_1', [1, 3, 192, 192], undefined],
  ['iris-landmark', 'iris-landmark', 'input_1', [1, 3, 64, 64], undefined],
  ['pose-detection', 'pose-detection', 'input_1', [1, 224, 224, 3], undefined],
  ['pose-landmark-full', 'pose-landmark-full', 'input_1', [1, 256, 256, 3], READ],
  ['pose-landmark-full (all outputs)', 'pose-landmark-full', 'input_1', [1, 256, 256, 3], undefined],
] as const) {
  const data = Float32Array.from(
    { length: shape.reduce((a: number, b: number) => a * b, 1) },
    (_, i) => (i % 251) / 251,
  );
  const feeds = { [input]: new ort.Tensor('float32', data, [...shape]) };
  const session = sessionRunner(await localOnnxSession(name, { intraOpThreads: THREADS }));
  const client = new InferenceClient({ socket: service.socket, deadlineMs: 30_000 });
  for (let i = 0; i < 10; i++)
    await Promise.all([session.run(feeds, fetches), client.run(name, feeds, fetches)]);
  const warm = client.stats();
  // blocks of 20 runs, alternating, each timed (wall) and costed (CPU of this process and of the service)
  const l: number[] = [];
  const s: number[] = [];
  let localCpu = 0;
  let clientCpu = 0;
  let serviceCpu = 0;
  for (let block = 0; block < RUNS / 20; block++) {
    let cpu = process.cpuUsage();
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await session.run(feeds, fetches);
      l.push(performance.now() - t);
    }
    localCpu += cpuSeconds(process.cpuUsage(cpu));
    const before = (await service.stats()).cpuSeconds;
    cpu = process.cpuUsage();
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await client.run(name, feeds, fetches);
      s.push(performance.now() - t);
    }
    clientCpu += cpuSeconds(process.cpuUsage(cpu));
    serviceCpu += (await service.stats()).cpuSeconds - before;
  }
  const st = client.stats();
  const n = st.ok - warm.ok;
  const perRun = (sec: number) => r3((sec * 1000) / l.length);
  hop[label] = {
    inputKB: r2(data.byteLength / 1024),
    outputs: fetches ?? 'all',
    localMedianMs: pct(l, 0.5),
    sharedMedianMs: pct(s, 0.5),
    sharedP95Ms: pct(s, 0.95),
    hopMeanMs: r3((st.meanOverheadMs * st.ok - warm.meanOverheadMs * warm.ok) / n),
    localCpuMsPerRun: perRun(localCpu),
    sharedCpuMsPerRun: { client: perRun(clientCpu), service: perRun(serviceCpu) },
    hopCpuMsPerRun: r3(perRun(clientCpu) + perRun(serviceCpu) - perRun(localCpu)),
  };
  console.error(label, JSON.stringify(hop[label]));
  client.close();
}
// a whole face frame (BlazeFace, Face Mesh, Iris ×2 and their pre/post-processing): here, through the service one
// request per model, and through the service in one request (`POST /face`); wall time and CPU per frame
const img = await photo('face-frontal-man.jpg', { width: 640, height: 480 });
const frame = { data: img.rgb, width: img.width, height: img.height };
const perFrame = async (pipeline: FaceObserver) => {
  await pipeline.ready();
  for (let i = 0; i < 10; i++) await pipeline.run(frame);
  const t: number[] = [];
  const cpu = process.cpuUsage();
  const serviceBefore = (await service.stats()).cpuSeconds;
  for (let i = 0; i < RUNS; i++) {
    const began = performance.now();
    await pipeline.run(frame);
    t.push(performance.now() - began);
  }
  const here = cpuSeconds(process.cpuUsage(cpu));
  const there = (await service.stats()).cpuSeconds - serviceBefore;
  return {
    medianMs: pct(t, 0.5),
    p95Ms: pct(t, 0.95),
    cpuMsPerFrame: { job: r3((here * 1000) / RUNS), service: r3((there * 1000) / RUNS) },
  };
};
const faceFrameLocal = await perFrame(new FacePipeline());
const frameClient = new InferenceClient({ socket: service.socket, deadlineMs: 30_000 });
setOnnxSessionProvider(frameClient.provider());
const faceFrameShared = await perFrame(new FacePipeline());
const faceFrameOneRequest = await perFrame(new SharedFacePipeline(frameClient, new FacePipeline()));
setOnnxSessionProvider(undefined);
frameClient.close();
console.error('hop', JSON.stringify({ hop, faceFrameLocal, faceFrameShared, faceFrameOneRequest }));

// 3. N rooms' worth of frames against the service
type Load = { latencies: number[]; skipped: number; late: number; cpuSeconds: number };
const rooms: unknown[] = [];
for (const n of ROOMS)
  for (const face of FACE_REQUESTS) {
    const procs = Math.min(n, JOBS);
    const before = await service.stats();
    const began = performance.now();
    const results = await Promise.all(
      Array.from({ length: procs }, (_, k) => {
        const mine = Math.floor(n / procs) + (k < n % procs ? 1 : 0);
        return job<Load>([
          '--mode',
          'load',
          '--socket',
          service.socket,
          '--rooms',
          String(mine),
          '--fps',
          String(FPS),
          '--seconds',
          String(SECONDS),
          '--face',
          face,
        ]);
      }),
    );
    const wall = (performance.now() - began) / 1000;
    const after = await service.stats();
    const latencies = results.flatMap((r) => r.latencies);
    const sent = latencies.length + results.reduce((a, r) => a + r.skipped, 0);
    const row = {
      rooms: n,
      faceRequests: face,
      fpsPerRoom: FPS,
      seconds: r2(wall),
      frames: sent,
      framesPerSecond: r2(sent / wall),
      skipped: results.reduce((a, r) => a + r.skipped, 0),
      lateTicks: results.reduce((a, r) => a + r.late, 0),
      frameLatencyP50Ms: pct(latencies, 0.5),
      frameLatencyP95Ms: pct(latencies, 0.95),
      serviceCores: r3((after.cpuSeconds - before.cpuSeconds) / wall),
      serviceCpuMsPerFrame: r2(((after.cpuSeconds - before.cpuSeconds) * 1000) / Math.max(1, sent)),
      clientCores: r3(results.reduce((a, r) => a + r.cpuSeconds, 0) / wall),
      serviceRequests: Object.fromEntries(
        Object.entries(after.requests).map(([k, v]) => [
          k,
          v - before.requests[k as keyof typeof before.requests],
        ]),
      ),
      serviceMaxQueueDepthSeen: after.maxQueueDepthSeen,
      serviceRssMB: r2(after.rssBytes / 2 ** 20),
    };
    console.error('rooms', JSON.stringify(row));
    rooms.push(row);
  }
await service.stop();

const result = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  serviceIntraOpThreads: THREADS,
  memory,
  hop,
  faceFrame: { local: faceFrameLocal, shared: faceFrameShared, sharedOneRequest: faceFrameOneRequest },
  rooms,
};
const json = `${JSON.stringify(result, null, 2)}\n`;
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/inference.json'), json);
process.stdout.write(json);
