import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchModels, loadManifest, type ModelEntry, ModelError, verifiedModelPath } from './models.js';
import { onnxSession } from './onnx-sessions.js';

const SHARED = resolve(process.env.SHARED_DIR ?? resolve(import.meta.dirname, '../../../../shared'));
const MIRROR = join(SHARED, 'models');
const PHOTOS = join(SHARED, 'fixtures/images');

let entries: ModelEntry[];
let work: string;
const mirrored = () => entries.filter((e) => 'url' in e.source);

beforeAll(async () => {
  entries = await loadManifest();
  work = await mkdtemp(join(tmpdir(), 'models-test-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('models manifest and fetch', () => {
  it('lists every model with a checksum, licence and tensor spec', () => {
    expect(entries.map((e) => e.name)).toEqual([
      'blazeface-front',
      'face-landmark',
      'iris-landmark',
      'pose-detection',
      'pose-landmark-full',
    ]);
    for (const e of entries) expect(Object.keys(e.inputs).length).toBeGreaterThan(0);
  });

  it('copies from the mirror, verifies, and keeps verified files on a second run', async () => {
    const dir = join(work, 'ok');
    const lines: string[] = [];
    expect(await fetchModels(mirrored(), { dir, mirror: MIRROR, log: (l) => lines.push(l) })).toEqual([]);
    for (const e of mirrored()) expect(await verifiedModelPath(e, dir)).toBe(join(dir, e.file));
    lines.length = 0;
    expect(await fetchModels(mirrored(), { dir, mirror: MIRROR, log: (l) => lines.push(l) })).toEqual([]);
    expect(lines.every((l) => l.includes('present, sha256 ok'))).toBe(true);
  });

  it('refuses a corrupt file with model_checksum_mismatch and a missing one with model_missing', async () => {
    const entry = mirrored()[0] as ModelEntry;
    const dir = join(work, 'bad');
    await expect(verifiedModelPath(entry, dir)).rejects.toMatchObject({ code: 'model_missing' });
    const mirror = join(work, 'bad-mirror');
    await fetchModels([], { dir: mirror, log: () => {} });
    await writeFile(join(mirror, entry.file), 'not a model');
    const failed = await fetchModels([{ ...entry, source: { url: 'http://127.0.0.1:9/none' } }], {
      dir,
      mirror,
      log: () => {},
    });
    expect(failed.map((f) => f.code)).toEqual(['model_checksum_mismatch']);
    expect(failed[0]?.message).toContain(entry.name);
    await writeFile(join(dir, entry.file), 'corrupt');
    const err = await verifiedModelPath(entry, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe('model_checksum_mismatch');
    expect((err as ModelError).message).toContain('npm run models:fetch');
  });

  it('runs one shared InferenceSession per model: a face crop scores high, a wall crop low', async () => {
    const dir = join(work, 'ok');
    const a = await onnxSession('face-landmark', { dir });
    expect(await onnxSession('face-landmark', { dir })).toBe(a);
    const score = async (left: number, top: number, size: number) => {
      const { data } = await sharp(await readFile(join(PHOTOS, 'face-frontal-man.jpg')))
        .extract({ left, top, width: size, height: size })
        .resize(192, 192)
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const t = new Float32Array(3 * 192 * 192);
      for (let i = 0; i < 192 * 192; i++)
        for (let c = 0; c < 3; c++) t[c * 192 * 192 + i] = (data[i * 3 + c] as number) / 255;
      const out = await a.run({ input_1: new ort.Tensor('float32', t, [1, 3, 192, 192]) });
      return Number(out.conv2d_30?.data[0]);
    };
    // 1080² photo: the face fills the centre-top; the top-right corner is street and trees
    expect(await score(250, 150, 600)).toBeGreaterThan(5);
    expect(await score(880, 0, 200)).toBeLessThan(0);
    await expect(onnxSession('face-landmark', { dir: join(work, 'empty') })).rejects.toMatchObject({
      code: 'model_missing',
    });
    await expect(onnxSession('no-such-model', { dir })).rejects.toMatchObject({ code: 'model_unknown' });
  });
});
