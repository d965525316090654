/**
 * Fetches and verifies the ONNX models listed in `models/manifest.json` into `models/cache/`
 * (or `MODELS_DIR`). `MODELS_MIRROR` names a local directory tried before the network.
 * Models whose source names a `convert` script (the pose model, converted from MediaPipe's TFLite)
 * are produced by that script in a Python venv under the cache (created once, reused) when neither
 * the cache nor the mirror holds them, and then verified like every other model.
 *
 *   npm run models:fetch
 *   MODELS_MIRROR=../shared/models npm run models:fetch
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  fetchModels,
  loadManifest,
  MODELS_ROOT,
  type ModelEntry,
  ModelError,
  modelsDir,
  sha256File,
  verifiedModelPath,
} from '../agent/src/vision/models.js';

const mirror = process.env.MODELS_MIRROR ? resolve(process.env.MODELS_MIRROR) : undefined;
const dir = modelsDir(process.env);
const log = (line: string) => console.log(line);

/** Runs a command, streaming its output lines to the log with a prefix. */
function sh(cmd: string, args: string[], prefix: string): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const show = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log(`  ${prefix}${line}`);
      tail = (tail + chunk.toString()).slice(-2000);
    };
    child.stdout.on('data', show);
    child.stderr.on('data', (c: Buffer) => {
      tail = (tail + c.toString()).slice(-2000);
    });
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? ok() : fail(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${tail.trim()}`)),
    );
  });
}

/** A venv under the cache with the script's pinned requirements (reinstalled only when they change). */
async function venv(requirements: string): Promise<string> {
  const root = join(dir, '.venv-convert');
  const python = join(root, 'bin', 'python');
  const wanted = createHash('sha256')
    .update(await readFile(requirements))
    .digest('hex');
  const marker = join(root, '.requirements.sha256');
  const have = await readFile(marker, 'utf8').catch(() => '');
  if (have.trim() === wanted) return python;
  log(`  creating Python venv ${root} (pinned ${requirements}; about 1.5 GB, once)`);
  await sh('python3', ['-m', 'venv', root], 'venv: ');
  await sh(python, ['-m', 'pip', 'install', '--progress-bar', 'off', '-r', requirements], 'pip: ');
  await writeFile(marker, wanted);
  return python;
}

/** A model made by a conversion script. */
interface Converted {
  entry: ModelEntry;
  script: string;
  requirements: string;
}

/** True when the model is verified in the cache, or was copied (verified) from the mirror. */
async function present(entry: ModelEntry): Promise<boolean> {
  try {
    await verifiedModelPath(entry, dir);
    return true;
  } catch {}
  const target = join(dir, entry.file);
  if (mirror && (await sha256File(join(mirror, entry.file)).catch(() => '')) === entry.sha256) {
    await copyFile(join(mirror, entry.file), `${target}.partial`);
    await rename(`${target}.partial`, target);
    log(`${entry.name}: copied from mirror ${mirror}`);
    return true;
  }
  return false;
}

/** Runs one conversion script once for all its missing models, then verifies and keeps each. */
async function convert(script: string, requirements: string, missing: ModelEntry[]): Promise<ModelError[]> {
  const names = missing.map((e) => e.name).join(', ');
  log(`${names}: not in the cache${mirror ? ' or the mirror' : ''}; converting with ${script}`);
  const python = await venv(resolve(MODELS_ROOT, '..', requirements));
  const out = await mkdtemp(join(dir, '.convert-'));
  const failed: ModelError[] = [];
  try {
    await sh(python, [resolve(MODELS_ROOT, '..', script), '--out', out], '');
    for (const entry of missing) {
      const actual = await sha256File(join(out, entry.file)).catch(() => 'none');
      if (actual === entry.sha256) await rename(join(out, entry.file), join(dir, entry.file));
      else
        failed.push(
          new ModelError(
            'model_checksum_mismatch',
            entry.name,
            `model "${entry.name}" converted by ${script} has sha256 ${actual}, expected ${entry.sha256}`,
          ),
        );
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  return failed;
}

log(`models → ${dir}${mirror ? ` (mirror ${mirror})` : ''}`);
const failed: ModelError[] = [];
const entries = await loadManifest();
// the manifest schema strips unknown keys; the conversion route reads them from the raw file
const raw = JSON.parse(await readFile(join(MODELS_ROOT, 'manifest.json'), 'utf8')) as {
  models: { name: string; source: { convert?: string; requirements?: string } }[];
};
const scripts = new Map<string, Converted[]>();
for (const m of raw.models) {
  const entry = entries.find((e) => e.name === m.name);
  if (!entry || !m.source.convert || !m.source.requirements) continue;
  const group = scripts.get(m.source.convert) ?? [];
  group.push({ entry, script: m.source.convert, requirements: m.source.requirements });
  scripts.set(m.source.convert, group);
}
for (const [script, group] of scripts) {
  const missing: ModelEntry[] = [];
  for (const c of group) if (!(await present(c.entry))) missing.push(c.entry);
  if (!missing.length) continue;
  try {
    failed.push(...(await convert(script, group[0]?.requirements ?? '', missing)));
  } catch (err) {
    for (const entry of missing)
      failed.push(
        new ModelError(
          'model_fetch_failed',
          entry.name,
          `model "${entry.name}" not converted: ${String(err)}`,
        ),
      );
  }
}
const notConverted = new Set(failed.map((f) => f.model));
failed.push(
  ...(await fetchModels(
    entries.filter((e) => !notConverted.has(e.name)),
    { dir, mirror, log },
  )),
);
for (const err of failed) console.error(JSON.stringify({ error: err.toJSON() }));
process.exit(failed.length ? 1 : 0);
