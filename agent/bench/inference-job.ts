/**
 * One stand-in job process of the inference benchmark (forked by bench/inference.ts, answers over
 * IPC). `memory`: loads the composition root's code, then the face and pose models (in this process,
 * or through the shared service when a socket is given), analyses a few real photos, and reports its
 * RSS at each step. `load`: runs `rooms` rooms' face and pose pipelines at `fps` each for `seconds`
 * against the shared service (the face frames a request per model, or `--face frame`: one request per frame) and
 * reports per-frame latency, skipped frames and its own CPU.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InferenceClient } from '../src/inference/client.js';
import { SharedFacePipeline } from '../src/inference/shared-face-pipeline.js';
import { type FaceObserver, FacePipeline } from '../src/vision/face-pipeline.js';
import { orSkip, setOnnxSessionProvider } from '../src/vision/onnx-sessions.js';
import { PoseLandmarker } from '../src/vision/pose-landmarks.js';
import { photo } from '../src/vision/testing.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'memory' },
    socket: { type: 'string' },
    rooms: { type: 'string', default: '1' },
    fps: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '20' },
    face: { type: 'string', default: 'per-model' },
  },
});
const status = () => readFileSync('/proc/self/status', 'utf8');
const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status())?.[1] ?? 0);
const rssMB = () => Math.round(kb('VmRSS') / 102.4) / 10;
const send = (msg: unknown) => new Promise<void>((r) => process.send?.(msg, () => r()));

const client = values.socket ? new InferenceClient({ socket: values.socket }) : undefined;
if (client) setOnnxSessionProvider(client.provider());
const face = await photo('face-frontal-man.jpg', { width: 640, height: 480 });
const body = await photo('pose-stretch-man.jpg', { width: 640, height: 480 });

if (values.mode === 'memory') {
  await import('../src/compose.js'); // the job process's code, as the worker's job processes load it
  global.gc?.();
  const codeMB = rssMB();
  const pipeline = new FacePipeline();
  const pose = new PoseLandmarker();
  await pipeline.ready();
  await pose.ready();
  for (let i = 0; i < 20; i++) {
    await pipeline.run({ data: face.rgb, width: face.width, height: face.height });
    await pose.landmarks(body.rgb, body.width, body.height);
  }
  global.gc?.();
  await send({
    codeMB,
    analysingMB: rssMB(),
    peakMB: Math.round(kb('VmHWM') / 102.4) / 10,
    client: client?.stats(),
  });
} else {
  const rooms = Number(values.rooms);
  const period = 1000 / Number(values.fps);
  const until = performance.now() + Number(values.seconds) * 1000;
  const latencies: number[] = [];
  let skipped = 0;
  let late = 0;
  const cpu0 = process.cpuUsage();
  const room = async (k: number) => {
    const pipeline: FaceObserver =
      client && values.face === 'frame'
        ? new SharedFacePipeline(client, new FacePipeline())
        : new FacePipeline();
    const pose = new PoseLandmarker();
    await pipeline.ready();
    await pose.ready();
    // rooms start spread over one frame period, as interviews do
    let next = performance.now() + (period * k) / rooms;
    while (next < until) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else late++;
      const began = performance.now();
      const f = await orSkip(pipeline.run({ data: face.rgb, width: face.width, height: face.height }));
      const p = await orSkip(pose.landmarks(body.rgb, body.width, body.height));
      if (!f || !p) skipped++;
      else latencies.push(performance.now() - began);
      next = Math.max(next + period, performance.now()); // a frame that took too long is not made up for
    }
  };
  await Promise.all(Array.from({ length: rooms }, (_, k) => room(k)));
  const cpu = process.cpuUsage(cpu0);
  await send({
    latencies,
    skipped,
    late,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    client: client?.stats(),
  });
}
client?.close();
process.exit(0);
