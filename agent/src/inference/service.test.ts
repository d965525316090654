import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VideoBufferType, VideoFrame } from '@livekit/rtc-node';
import * as ort from 'onnxruntime-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VideoSample } from '../analysers/analyser.js';
import { alive, ServiceParent } from '../process/testing.js';
import { FaceAnalyser } from '../vision/face-analyser.js';
import { FacePipeline } from '../vision/face-pipeline.js';
import { modelsDir } from '../vision/models.js';
import {
  InferenceUnavailableError,
  localOnnxSession,
  setOnnxSessionProvider,
} from '../vision/onnx-sessions.js';
import { PoseLandmarker } from '../vision/pose-landmarks.js';
import { ensureModels, photo } from '../vision/testing.js';
import { InferenceClient } from './client.js';
import { InferenceServer, type InferenceStats } from './server.js';
import { InferenceService } from './service.js';

let work: string;
let service: InferenceService;
const clients: InferenceClient[] = [];
const client = (opts: Partial<ConstructorParameters<typeof InferenceClient>[0]> = {}) => {
  // a generous deadline: a loaded machine must not turn these checks into skipped runs
  const c = new InferenceClient({ socket: service.socket, deadlineMs: 30_000, ...opts });
  clients.push(c);
  return c;
};

/** Polls `cond` every 20 ms until it holds (the test's time-out bounds the wait). */
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await sleep(20);
}

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
  work = await mkdtemp(join(tmpdir(), 'inference-service-'));
  // one intra-op thread, as the in-process sessions it is compared with: the same arithmetic, the same outputs
  service = new InferenceService({
    socket: join(work, 'vision.sock'),
    modelsDir: modelsDir(process.env),
    intraOpThreads: 1,
  });
  await service.start();
}, 60_000);

afterEach(() => setOnnxSessionProvider(undefined));

afterAll(async () => {
  for (const c of clients) c.close();
  await service?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('InferenceService', () => {
  it('gives two clients sharing it the outputs of the in-process sessions on a real photo', async () => {
    const face = await photo('face-frontal-man.jpg', { width: 640, height: 480 });
    const body = await photo('pose-stretch-man.jpg', { width: 640, height: 480 });
    const img = { data: face.rgb, width: face.width, height: face.height };
    const analyse = async () => ({
      face: await new FacePipeline().run(img),
      pose: await new PoseLandmarker().landmarks(body.rgb, body.width, body.height),
    });
    const local = await analyse();
    expect(local.face.iris).toBeDefined(); // all three face models ran
    expect(local.pose?.points.length).toBeGreaterThan(30);
    const [a, b] = [client(), client()];
    setOnnxSessionProvider(a.provider());
    const viaA = await analyse();
    setOnnxSessionProvider(b.provider());
    const viaB = await analyse();
    for (const shared of [viaA, viaB]) {
      expect({ ...shared.face, busyMs: 0 }).toEqual({ ...local.face, busyMs: 0 });
      expect(shared.pose).toEqual(local.pose);
    }
    expect(a.stats().ok).toBeGreaterThanOrEqual(4);
    expect(b.stats().ok).toBe(a.stats().ok);
    // both at once: each gets its own answers back
    const input = (k: number) =>
      new ort.Tensor(
        'float32',
        Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => ((i * k) % 255) / 255),
        [1, 3, 64, 64],
      );
    const session = await localOnnxSession('iris-landmark', { dir: modelsDir(process.env) });
    const expected = await Promise.all(
      [1, 2, 3, 4].map(async (k) => (await session.run({ input_1: input(k) })).output_iris?.data),
    );
    const got = await Promise.all(
      [1, 2, 3, 4].map((k) => (k % 2 ? a : b).run('iris-landmark', { input_1: input(k) })),
    );
    expect(got.map((o) => o.output_iris?.data)).toEqual(expected);
    const stats = await service.stats();
    expect(stats.pid).toBe(service.pid);
    expect(Object.keys(stats.models).sort()).toEqual(
      ['blazeface-front', 'face-landmark', 'iris-landmark', 'pose-detection', 'pose-landmark-full'].sort(),
    );
    expect(stats.rssBytes).toBeGreaterThan(stats.requests.ok * 0); // reported
    expect(stats.queueDepth).toBe(0);
  });

  it('fails runs cleanly while it is down, restarts, and serves the next request', async () => {
    const c = client({ readyTimeoutMs: 1000 });
    const runner = await c.runner('blazeface-front');
    const input = new ort.Tensor('float32', new Float32Array(128 * 128 * 3).fill(0.5), [1, 128, 128, 3]);
    const before = await runner.run({ 'input:0': input });
    const dead = service.pid as number;
    const restarts = service.restarts;
    process.kill(dead, 'SIGKILL');
    await until(() => {
      try {
        process.kill(dead, 0);
        return false;
      } catch {
        return true;
      }
    });
    // the old process is gone and no new one listens yet: a run fails with InferenceUnavailableError, never a crash
    const whileDown = service.pid === dead; // the restart waits 200 ms before it forks, so this holds unless the test stalled
    if (whileDown)
      await expect(runner.run({ 'input:0': input })).rejects.toBeInstanceOf(InferenceUnavailableError);
    await until(() => service.restarts > restarts);
    expect(service.pid).not.toBe(dead);
    const after = await runner.run({ 'input:0': input });
    expect(after['Identity:0']?.data).toEqual(before['Identity:0']?.data);
    expect(c.stats().unavailable).toEqual(whileDown ? { unreachable: 1 } : {});
  }, 60_000);
});

describe('InferenceService stopped from outside', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'exits 0 on %s (sent to it alone, e.g. an operator’s kill): stopped, not restarted',
    async (signal) => {
      const own = new InferenceService({
        socket: join(work, `stop-${signal}.sock`),
        modelsDir: modelsDir(process.env),
        intraOpThreads: 1,
      });
      try {
        await own.start();
        const pid = own.pid as number;
        process.kill(pid, signal);
        // at its exit the supervisor marks it stopped (a clean exit) or restarting (anything else), at once
        await until(() => own.status !== 'ready');
        expect(own.status).toBe('stopped');
        expect(own.restarts).toBe(0);
        expect(own.pid).toBe(pid);
      } finally {
        await own.stop();
      }
    },
    60_000,
  );
});

describe('InferenceService and the stop of its worker', () => {
  const SERVICE = new URL('./service.ts', import.meta.url).pathname;
  const parents: ServiceParent[] = [];
  const worker = (name: string) => {
    const options = {
      socket: join(work, `${name}.sock`),
      modelsDir: modelsDir(process.env),
      intraOpThreads: 1,
    };
    const p = new ServiceParent(SERVICE, 'InferenceService', options);
    parents.push(p);
    return { p, socket: options.socket };
  };
  afterEach(() => {
    for (const p of parents.splice(0)) p.kill();
  });

  it('serves through a SIGTERM to the worker’s process group, and stops at the worker’s exit', async () => {
    const { p, socket } = worker('drain');
    const { pid, stats } = await p.drainThroughGroupSigterm();
    expect((stats as InferenceStats).pid).toBe(pid);
    await until(() => !alive(pid) && !existsSync(socket));
  });

  it('exits, removing its socket, when the worker is killed (SIGKILL)', async () => {
    const { p, socket } = worker('killed');
    const pid = await p.ready();
    p.signalGroup('SIGKILL');
    await p.exited;
    await until(() => !alive(pid) && !existsSync(socket));
  });
});

describe('a job whose inference service cannot serve it', () => {
  const frames = async function* (): AsyncIterable<VideoSample> {
    const { rgb, width, height } = await photo('face-frontal-man.jpg', { width: 320, height: 240 });
    for (let i = 0; i < 5; i++)
      yield {
        width,
        height,
        receivedAt: 1_000_000 + i * 1000,
        timestampUs: BigInt(1_000_000 + i * 1000) * 1000n,
        rgb: () => new VideoFrame(rgb, width, height, VideoBufferType.RGB24),
      };
  };

  it('skips and counts the frames the service refuses, and the analyser goes on', async () => {
    const full = new InferenceServer({
      socket: join(work, 'full.sock'),
      modelsDir: modelsDir(process.env),
      maxQueue: 0,
    });
    await full.listen();
    const refused = new InferenceClient({ socket: full.options.socket, deadlineMs: 30_000 });
    clients.push(refused);
    setOnnxSessionProvider(refused.provider());
    try {
      const signals = [];
      for await (const s of new FaceAnalyser({ fps: 5 }).analyse(frames())) signals.push(s);
      expect(signals).toEqual([]);
      expect(refused.stats()).toMatchObject({ ok: 0, unavailable: { queue_full: 5 }, localFallbacks: [] });
      expect(full.stats().requests.rejected).toBe(5);
    } finally {
      await full.close();
    }
  });

  it('runs its models in its own process when no service answers while they load', async () => {
    const gone = new InferenceClient({ socket: join(work, 'nobody.sock'), readyTimeoutMs: 100 });
    clients.push(gone);
    const { rgb, width, height } = await photo('face-frontal-man.jpg', { width: 640, height: 480 });
    const local = await new FacePipeline().run({ data: rgb, width, height });
    setOnnxSessionProvider(gone.provider());
    const pipeline = new FacePipeline();
    expect(await pipeline.ready()).toEqual({ landmarks: true, iris: true });
    const fallback = await pipeline.run({ data: rgb, width, height });
    expect({ ...fallback, busyMs: 0 }).toEqual({ ...local, busyMs: 0 });
    expect(gone.stats()).toMatchObject({ ok: 0, unavailable: {} });
    expect(gone.stats().localFallbacks.sort()).toEqual(['blazeface-front', 'face-landmark', 'iris-landmark']);
  });
});
