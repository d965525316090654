/**
 * CPU milliseconds per run of each vision model in this process, with the agent's session options (one intra-op
 * thread) on inputs of the model's shape: the median over interleaved rounds of process CPU time (all threads).
 */
import * as ort from 'onnxruntime-node';
import { onnxSession } from '../agent/src/vision/onnx-sessions.js';
import { ensureModels } from '../agent/src/vision/testing.js';

const MODELS = {
  'blazeface-front': ['input:0', [1, 128, 128, 3]],
  'face-landmark': ['input_1', [1, 3, 192, 192]],
  'iris-landmark': ['input_1', [1, 3, 64, 64]],
  'pose-detection': ['input_1', [1, 224, 224, 3]],
  'pose-landmark-full': ['input_1', [1, 256, 256, 3]],
} as const;

type ModelName = keyof typeof MODELS;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Median CPU ms per run of every model, `rounds` interleaved rounds after 5 warm-up runs. */
export async function modelCosts(rounds = 60): Promise<Record<ModelName, number>> {
  const failed = await ensureModels();
  if (failed.length) throw failed[0];
  const runs: [ModelName, () => Promise<unknown>][] = [];
  for (const [name, [input, shape]] of Object.entries(MODELS) as [ModelName, (typeof MODELS)[ModelName]][]) {
    const session = await onnxSession(name);
    const data = new Float32Array(shape.reduce((a: number, b: number) => a * b, 1)).map(() => Math.random());
    runs.push([name, () => session.run({ [input]: new ort.Tensor('float32', data, [...shape]) })]);
  }
  const times = new Map<ModelName, number[]>(runs.map(([n]) => [n, []]));
  for (let round = 0; round < rounds + 5; round++) {
    for (const [name, run] of runs) {
      const c = cpuMs();
      await run();
      if (round >= 5) times.get(name)?.push(cpuMs() - c);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return Object.fromEntries([...times].map(([n, xs]) => [n, Number(median(xs).toFixed(3))])) as Record<
    ModelName,
    number
  >;
}
