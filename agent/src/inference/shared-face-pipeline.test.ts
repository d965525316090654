import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaceDetector } from '../vision/face-detector.js';
import { FacePipeline } from '../vision/face-pipeline.js';
import { InferenceUnavailableError, setOnnxSessionProvider } from '../vision/onnx-sessions.js';
import { ensureModels, photo } from '../vision/testing.js';
import { InferenceClient } from './client.js';
import { FACE_HEADER, FACE_PIPELINE } from './face-wire.js';
import { SharedFacePipeline } from './shared-face-pipeline.js';
import { testInferenceServers } from './testing.js';

let work: string;
const { serve, keep, close } = testInferenceServers(() => work);

/** A status and body of a raw `POST /face`. */
function post(socket: string, headers: Record<string, string>, body: Uint8Array) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'POST', path: '/face', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const FRAMES = [
  ['face-frontal-man.jpg', {}],
  ['face-frontal-smile-woman.jpg', {}],
  ['face-turned-woman.jpg', {}],
  ['face-turned-woman.jpg', { mirror: true }],
  ['pose-stretch-man.jpg', {}],
  ['eye-closeup.jpg', {}],
] as const;

beforeAll(async () => {
  expect(await ensureModels()).toEqual([]);
  work = await mkdtemp(join(tmpdir(), 'shared-face-'));
}, 60_000);

afterEach(() => setOnnxSessionProvider(undefined));

afterAll(async () => {
  await close();
  await rm(work, { recursive: true, force: true });
});

describe('SharedFacePipeline', () => {
  it('observes what the in-process pipeline observes on real photos, in one request per frame', async () => {
    const frames = await Promise.all(
      FRAMES.map(([name, o]) => photo(name, { width: 480, height: 360, ...o })),
    );
    const local = new FacePipeline();
    const expected = [];
    for (const f of frames) expected.push(await local.run({ data: f.rgb, width: f.width, height: f.height }));
    // the cases differ: frontal faces with iris, a turned face without it, and at least one frame without a face
    expect(expected.filter((o) => o.iris).length).toBeGreaterThan(0);
    expect(expected.filter((o) => o.pose && !o.iris).length).toBeGreaterThan(0);

    const { server, client } = await serve('same');
    setOnnxSessionProvider(client.provider());
    const shared = new SharedFacePipeline(client, new FacePipeline());
    expect(await shared.ready()).toEqual({ landmarks: true, iris: true });
    expect(shared.remote).toBe(true);
    const loaded = server.stats().requests.ok;
    for (const [k, f] of frames.entries()) {
      const obs = await shared.run({ data: f.rgb, width: f.width, height: f.height });
      expect({ ...obs, busyMs: 0 }).toEqual({ ...expected[k], busyMs: 0 });
      expect(obs.busyMs).toBeGreaterThan(0);
    }
    const stats = server.stats();
    // one request per frame, and no model run on its own
    expect(stats.requests.ok - loaded).toBe(frames.length);
    expect(stats.models[FACE_PIPELINE]?.runs).toBe(frames.length);
    expect(Object.keys(stats.models)).toEqual([FACE_PIPELINE]);
    expect(client.stats()).toMatchObject({ ok: frames.length, unavailable: {}, localFallbacks: [] });
  });

  it('runs only the stages its pipeline has (face presence: the detector alone)', async () => {
    const { rgb, width, height } = await photo('face-frontal-man.jpg', { width: 480, height: 360 });
    const expected = await new FacePipeline({}, new FaceDetector(), null, null).run({
      data: rgb,
      width,
      height,
    });
    expect(expected.faces.length).toBe(1);
    expect(expected.pose).toBeUndefined();
    const { server, client } = await serve('presence');
    setOnnxSessionProvider(client.provider());
    const shared = new SharedFacePipeline(client, new FacePipeline({}, new FaceDetector(), null, null));
    expect(await shared.ready()).toEqual({ landmarks: false, iris: false });
    const obs = await shared.run({ data: rgb, width, height });
    expect({ ...obs, busyMs: 0 }).toEqual({ ...expected, busyMs: 0 });
    expect(server.stats().models[FACE_PIPELINE]?.runs).toBe(1);
  });

  it('sends the options of its pipeline: a presence threshold above every face drops the landmarks', async () => {
    const { rgb, width, height } = await photo('face-frontal-man.jpg', { width: 480, height: 360 });
    const { client } = await serve('options');
    setOnnxSessionProvider(client.provider());
    const strict = new SharedFacePipeline(client, new FacePipeline({ minPresence: 2 }));
    await strict.ready();
    const obs = await strict.run({ data: rgb, width, height });
    expect(obs.faces.length).toBe(1);
    expect(obs.pose).toBeUndefined();
    expect(obs.iris).toBeUndefined();
  });

  it('skips a frame the service refuses (queue full), as a model run', async () => {
    const { rgb, width, height } = await photo('face-frontal-man.jpg', { width: 480, height: 360 });
    const { server, client } = await serve('full', { maxQueue: 0 });
    setOnnxSessionProvider(client.provider());
    const shared = new SharedFacePipeline(client, new FacePipeline());
    await shared.ready();
    const err = await shared.run({ data: rgb, width, height }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceUnavailableError);
    expect(err).toMatchObject({ reason: 'queue_full', model: FACE_PIPELINE });
    expect(client.stats().unavailable).toEqual({ queue_full: 1 });
    expect(server.stats().requests.rejected).toBe(1);
  });

  it('runs frames in its own process when the face models were loaded there (no service answered)', async () => {
    const { rgb, width, height } = await photo('face-frontal-man.jpg', { width: 480, height: 360 });
    const expected = await new FacePipeline().run({ data: rgb, width, height });
    const gone = new InferenceClient({ socket: join(work, 'nobody.sock'), readyTimeoutMs: 100 });
    keep(gone);
    setOnnxSessionProvider(gone.provider());
    const shared = new SharedFacePipeline(gone, new FacePipeline());
    expect(await shared.ready()).toEqual({ landmarks: true, iris: true });
    expect(shared.remote).toBe(false);
    const obs = await shared.run({ data: rgb, width, height });
    expect({ ...obs, busyMs: 0 }).toEqual({ ...expected, busyMs: 0 });
    expect(gone.stats()).toMatchObject({ ok: 0, unavailable: {} });
  });
});

describe('POST /face', () => {
  const header = (o: Record<string, unknown> = {}) =>
    JSON.stringify({
      width: 4,
      height: 2,
      stages: { landmarks: true, iris: true },
      options: { minPresence: 0.5, irisYawLimitDeg: 20, irisRollLimitDeg: 20 },
      ...o,
    });

  it('answers a malformed request 400, naming what is wrong, runs nothing, and goes on serving', async () => {
    const { server, client } = await serve('malformed');
    const socket = server.options.socket;
    const frame = new Uint8Array(4 * 2 * 3);
    const cases: [Record<string, string>, Uint8Array, string][] = [
      [{}, frame, 'x-face header missing'],
      [{ [FACE_HEADER]: 'not json' }, frame, 'JSON'],
      [{ [FACE_HEADER]: header({ width: -4 }) }, frame, 'width'],
      [{ [FACE_HEADER]: header({ stages: { landmarks: true } }) }, frame, 'iris'],
      [{ [FACE_HEADER]: header({ extra: 1 }) }, frame, 'extra'],
      [{ [FACE_HEADER]: header() }, frame.subarray(1), '24 bytes, not 23'],
    ];
    for (const [headers, body, says] of cases) {
      const res = await post(socket, headers, body);
      expect(res.status, res.body).toBe(400);
      expect(res.body).toContain(says);
    }
    expect(server.stats().requests).toMatchObject({ ok: 0, failed: cases.length });
    expect(server.stats().models).toEqual({});
    // a well-formed frame still gets its answer
    const ok = await post(socket, { [FACE_HEADER]: header() }, frame);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ width: 4, height: 2, faces: [] });
    client.close();
  });
});
