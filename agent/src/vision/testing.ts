import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { fetchModels, loadManifest, type ModelError, modelsDir } from './models.js';

/** Shared fixtures and model mirror beside the repository (`SHARED_DIR` overrides). */
export const SHARED = resolve(process.env.SHARED_DIR ?? resolve(import.meta.dirname, '../../../../shared'));
export const PHOTOS = join(SHARED, 'fixtures/images');

/** A fixture photo as packed RGB24, cropped to fill `width`×`height` (or at its own size), optionally mirrored. */
export async function photo(
  name: string,
  opts: { width?: number; height?: number; mirror?: boolean } = {},
): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  let img = sharp(join(PHOTOS, name));
  if (opts.width && opts.height) img = img.resize(opts.width, opts.height, { fit: 'cover' });
  if (opts.mirror) img = img.flop();
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data), width: info.width, height: info.height };
}

/** Fetches and verifies every model (detector from npm, landmark models from the shared mirror); what failed. */
export async function ensureModels(): Promise<ModelError[]> {
  return fetchModels(await loadManifest(), {
    dir: modelsDir(process.env),
    mirror: join(SHARED, 'models'),
    log: () => {},
  });
}
