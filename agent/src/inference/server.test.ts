import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFacePipelineOptions } from '../vision/face-pipeline.js';
import { ModelError, modelsDir } from '../vision/models.js';
import { InferenceUnavailableError, localOnnxSession } from '../vision/onnx-sessions.js';
import { ensureModels } from '../vision/testing.js';
import { InferenceClient } from './client.js';
import { testInferenceServers } from './testing.js';

let work: string;
const { serve, keep, close } = testInferenceServers(() => work);

const input = () =>
  new ort.Tensor(
    'float32',
    Float32Array.from({ length: 64 * 64 * 3 }, (_, i) => (i % 97) / 97),
    [1, 3, 64, 64],
  );

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
  work = await mkdtemp(join(tmpdir(), 'inference-server-'));
}, 60_000);

afterAll(async () => {
  await close();
  await rm(work, { recursive: true, force: true });
});

describe('InferenceServer', () => {
  it('answers a run with the outputs of the in-process session, and counts it', async () => {
    const { server, client } = await serve('run', { intraOpThreads: 1 });
    const runner = await client.runner('iris-landmark');
    const remote = await runner.run({ input_1: input() });
    const local = await (await localOnnxSession('iris-landmark', { dir: modelsDir(process.env) })).run({
      input_1: input(),
    });
    expect(Object.keys(remote).sort()).toEqual(Object.keys(local).sort());
    for (const [name, t] of Object.entries(local)) {
      expect(remote[name]?.dims).toEqual(t.dims);
      expect(Array.from(remote[name]?.data as Float32Array)).toEqual(Array.from(t.data as Float32Array));
    }
    const stats = server.stats();
    expect(stats.requests).toMatchObject({ ok: 1, failed: 0 });
    expect(stats.models['iris-landmark']?.runs).toBe(1);
    expect(stats.waits).toMatchObject({ run: { turns: 1 }, face: { turns: 0 } });
    expect(stats.rssBytes).toBeGreaterThan(0);
    expect(client.stats()).toMatchObject({ ok: 1, unavailable: {} });
  });

  it('sends back only the outputs asked for, and refuses an output the model does not have', async () => {
    const { server, client } = await serve('fetches');
    const runner = await client.runner('iris-landmark');
    const all = await runner.run({ input_1: input() });
    const some = await runner.run({ input_1: input() }, ['output_iris']);
    expect(Object.keys(all).sort()).toEqual(['output_eyes_contours_and_brows', 'output_iris']);
    expect(Object.keys(some)).toEqual(['output_iris']);
    expect(Array.from(some.output_iris?.data as Float32Array)).toEqual(
      Array.from(all.output_iris?.data as Float32Array),
    );
    await expect(runner.run({ input_1: input() }, ['output_gaze'])).rejects.toMatchObject({
      name: 'InferenceUnavailableError',
      reason: 'failed',
      message: expect.stringContaining('has no output output_gaze'),
    });
    await expect(runner.run({ input_1: input() }, [])).rejects.toMatchObject({ reason: 'failed' });
    expect(server.stats().requests).toMatchObject({ ok: 2, failed: 2 });
  });

  it("hands a missing model's ModelError back to the client", async () => {
    const { client } = await serve('missing', { modelsDir: join(work, 'empty') });
    await expect(client.runner('face-landmark')).rejects.toBeInstanceOf(ModelError);
    await expect(client.runner('face-landmark')).rejects.toMatchObject({ code: 'model_missing' });
    await expect(client.runner('no-such-model')).rejects.toMatchObject({ code: 'model_unknown' });
  });

  it('refuses a run past its queue, and a run whose deadline passed while it waited, without running either', async () => {
    const { server, client } = await serve('bounded', { maxQueue: 0 });
    await expect(client.run('iris-landmark', { input_1: input() })).rejects.toMatchObject({
      name: 'InferenceUnavailableError',
      reason: 'queue_full',
    });
    const late = await serve('late');
    const hurried = new InferenceClient({ socket: late.server.options.socket, deadlineMs: 0.001 });
    keep(hurried);
    const err = await hurried.run('iris-landmark', { input_1: input() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceUnavailableError);
    expect(err).toMatchObject({ reason: 'deadline' });
    expect(server.stats().requests).toMatchObject({ ok: 0, rejected: 1 });
    expect(late.server.stats().requests).toMatchObject({ ok: 0, expired: 1 });
    expect(late.server.stats().models).toEqual({});
    expect(client.stats().unavailable).toEqual({ queue_full: 1 });
    expect(hurried.stats().unavailable).toEqual({ deadline: 1 });
  });

  it('loads the models it is asked to preload, says why one failed, and serves them without loading again', async () => {
    const { server, client } = await serve('preload');
    const { loadedMs, failed } = await server.preload(['iris-landmark', 'no-such-model']);
    expect(Object.keys(loadedMs)).toEqual(['iris-landmark']);
    expect(loadedMs['iris-landmark']).toBeGreaterThanOrEqual(0);
    expect(failed).toEqual({ 'no-such-model': expect.stringContaining('not in models/manifest.json') });
    // loaded before any job asked for it
    expect(server.stats().loaded).toEqual(['iris-landmark']);
    expect(server.stats().requests.ok).toBe(0);
    await client.runner('iris-landmark');
    expect((await client.run('iris-landmark', { input_1: input() })).output_iris?.dims).toEqual([1, 15]);
    expect(server.stats().loaded).toEqual(['iris-landmark']);
    expect(server.stats().models['iris-landmark']?.runs).toBe(1);
  });

  it('lists the models a face frame loaded, with no model asked for before', async () => {
    const { server, client } = await serve('face-loads');
    const frame = { data: new Uint8Array(64 * 48 * 3), width: 64, height: 48 };
    const presence = await client.face(frame, { landmarks: false, iris: false }, defaultFacePipelineOptions);
    expect(presence.faces).toEqual([]);
    expect(server.stats().loaded).toEqual(['blazeface-front']);
    await client.face(frame, { landmarks: true, iris: true }, defaultFacePipelineOptions);
    expect(server.stats().loaded).toEqual(['blazeface-front', 'face-landmark', 'iris-landmark']);
    expect(server.stats().waits).toMatchObject({ face: { turns: 2 }, run: { turns: 0 } }); // the face lane
  });

  it('answers a malformed request 400 and goes on serving', async () => {
    const { server, client } = await serve('malformed');
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          socketPath: server.options.socket,
          method: 'POST',
          path: '/run/iris-landmark',
          headers: { 'x-tensors': 'nope' },
        },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('xyz');
    });
    expect(res).toBe(400);
    await client.runner('iris-landmark');
    expect((await client.run('iris-landmark', { input_1: input() })).output_iris?.dims).toEqual([1, 15]);
  });
});
