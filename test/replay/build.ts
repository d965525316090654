/**
 * Builds a scenario's media from its recipe (`scenario.json`): espeak-ng speech and silences per speaker → WAV →
 * Opus OGG (ffmpeg), and a camera timeline of the shared photos (or an empty room, or two people) → VP8 IVF at
 * 640×480, 15 fps (ffmpeg). Deterministic; the output goes to `.cache/replay/<name>-<hash>` keyed by the recipe,
 * the builder version and the tools' versions, and is reused when present.
 *
 *   npx tsx test/replay/build.ts <scenario dir>...
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import sharp from 'sharp';
import { concat, espeak, filledPause, silence, writeWav } from '../fixtures/audio.js';
import { PHOTOS_DIR, ROOT, requireFixture } from '../fixtures/paths.js';
import type { Pcm16 } from '../fixtures/wav.js';
import { type Recipe, readJson, recipeSchema, type SpeechItem, type Timeline } from './scenario.js';

/** Bump when the builder's output changes for the same recipe. */
const BUILD_VERSION = 2;
export const WIDTH = 640;
export const HEIGHT = 480;
export const FPS = 15;
const RATE = 16000;

/** Cache folder of built scenarios (and of the client binary). */
export const CACHE_DIR = resolve(ROOT, process.env.REPLAY_CACHE_DIR ?? '.cache/replay');

/** What a build produced. */
export interface BuiltMedia {
  dir: string;
  video: string;
  candidateAudio: string;
  interviewerAudio?: string;
  timeline: Timeline;
  mediaMs: number;
}

const ms = (pcm: Pcm16) => Math.round((pcm.samples.length / pcm.sampleRate) * 1000);

function tool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${cmd} is not installed (Debian: apt-get install ${cmd})`);
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? String(err)).slice(-800)}`);
  }
}

function speak(item: SpeechItem): Pcm16 {
  if (item.say) return espeak(item.say, item.wpm ? { wpm: item.wpm } : {});
  if (item.filler) return filledPause(item.filler);
  return silence((item.silenceMs ?? 0) / 1000, RATE);
}

/**
 * Places every speech item on the common timeline: after its `after` item (any track) or after the previous item
 * of its track, plus `gapMs`. Returns each track's clips with their start times.
 */
function schedule(recipe: Recipe, path: string) {
  const tracks = { interviewer: recipe.interviewer, candidate: recipe.candidate };
  const timeline: Timeline = {};
  const placed: Record<'interviewer' | 'candidate', { start: number; pcm: Pcm16 }[]> = {
    interviewer: [],
    candidate: [],
  };
  const next = { interviewer: 0, candidate: 0 };
  const ends = { interviewer: 0, candidate: 0 };
  for (let progress = true; progress; ) {
    progress = false;
    for (const role of ['interviewer', 'candidate'] as const) {
      const item = tracks[role][next[role]];
      if (!item) continue;
      const ref = item.after ? timeline[item.after] : undefined;
      if (item.after && !ref) continue;
      const pcm = speak(item);
      const start = (ref ? ref.end : ends[role]) + item.gapMs;
      if (start < ends[role]) {
        throw new Error(
          `${path}: ${role} item ${item.id ?? next[role]} would start before the previous one ends`,
        );
      }
      placed[role].push({ start, pcm });
      ends[role] = start + ms(pcm);
      if (item.id) timeline[item.id] = { start, end: ends[role] };
      next[role]++;
      progress = true;
    }
  }
  for (const role of ['interviewer', 'candidate'] as const) {
    const stuck = tracks[role][next[role]];
    if (stuck)
      throw new Error(`${path}: ${role} item after "${stuck.after}" never starts (unknown or cyclic)`);
  }
  return { placed, timeline, end: Math.max(ends.interviewer, ends.candidate) };
}

function track(clips: { start: number; pcm: Pcm16 }[], totalMs: number): Pcm16 {
  const parts: Pcm16[] = [];
  let at = 0;
  for (const c of clips) {
    if (c.start > at) parts.push(silence((c.start - at) / 1000, RATE));
    parts.push(c.pcm);
    at = c.start + ms(c.pcm);
  }
  if (totalMs > at) parts.push(silence((totalMs - at) / 1000, RATE));
  return concat(...parts);
}

/** A 640×480 still for a camera item: a fixture photo, `empty` or `two-faces`. */
async function still(show: string, path: string): Promise<void> {
  requireFixture(PHOTOS_DIR, 'the shared fixtures folder must sit beside the repository (or set SHARED_DIR)');
  const photo = (name: string, width: number) =>
    sharp(requireFixture(join(PHOTOS_DIR, name), `no such photo in ${PHOTOS_DIR}`))
      .resize(width, HEIGHT, { fit: 'cover' })
      .removeAlpha()
      .toBuffer();
  const canvas = (background: string) =>
    sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background } });
  if (show === 'empty') {
    await canvas('#1e1e1e').png().toFile(path);
  } else if (show === 'two-faces') {
    const half = WIDTH / 2;
    const [left, right] = await Promise.all([
      photo('face-frontal-man.jpg', half),
      photo('face-frontal-smile-woman.jpg', half),
    ]);
    await canvas('#000')
      .composite([
        { input: left, left: 0, top: 0 },
        { input: right, left: half, top: 0 },
      ])
      .png()
      .toFile(path);
  } else {
    await sharp(await photo(show, WIDTH))
      .png()
      .toFile(path);
  }
}

function toolVersions(): string {
  return [tool('ffmpeg', ['-version']).split('\n')[0], tool('espeak-ng', ['--version']).trim()].join(' | ');
}

/** Builds (or reuses) the media of the scenario whose recipe is `<dir>/scenario.json`. */
export async function buildScenario(dir: string): Promise<BuiltMedia> {
  const path = join(dir, 'scenario.json');
  const recipe = readJson(path, recipeSchema);
  const hash = createHash('sha256')
    .update(JSON.stringify({ recipe, v: BUILD_VERSION, tools: toolVersions(), size: [WIDTH, HEIGHT, FPS] }))
    .digest('hex')
    .slice(0, 16);
  const out = join(CACHE_DIR, `${basename(resolve(dir))}-${hash}`);
  const manifest = join(out, 'built.json');
  if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')) as BuiltMedia;

  const work = `${out}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    return await buildInto(work, out, recipe, path);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function buildInto(work: string, out: string, recipe: Recipe, path: string): Promise<BuiltMedia> {
  const { placed, timeline, end } = schedule(recipe, path);
  const cameraMs = recipe.camera.reduce((t, c) => t + c.durationMs, 0);
  const mediaMs = Math.max(end, cameraMs) + recipe.tailMs;
  timeline.media = { start: 0, end: mediaMs };

  const ogg = (role: 'candidate' | 'interviewer') => {
    const wav = writeWav(join(work, `${role}.wav`), track(placed[role], mediaMs));
    const file = join(work, `${role}.ogg`);
    tool('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-i', wav],
      ...['-c:a', 'libopus', '-b:a', '48k', '-application', 'voip', '-frame_duration', '20'],
      ...['-ar', '48000', '-ac', '1', '-fflags', '+bitexact', file],
    ]);
    rmSync(wav);
    return file;
  };

  // camera: one still per item, the last one held to the end of the media; each still is looped for exactly its
  // number of frames and the segments are joined with the concat filter (frame-exact)
  const inputs: string[] = [];
  let at = 0;
  for (const [i, item] of recipe.camera.entries()) {
    const png = join(work, `still-${i}.png`);
    await still(item.show, png);
    const last = i === recipe.camera.length - 1;
    const duration = last ? mediaMs - at : item.durationMs;
    if (item.id) timeline[item.id] = { start: at, end: at + duration };
    const frames = Math.round(((at + duration) * FPS) / 1000) - Math.round((at * FPS) / 1000);
    inputs.push('-loop', '1', '-framerate', String(FPS), '-t', (frames / FPS).toFixed(4), '-i', png);
    at += duration;
  }
  const n = recipe.camera.length;
  const chain = `${Array.from({ length: n }, (_, i) => `[${i}:v]`).join('')}concat=n=${n}:v=1:a=0,format=yuv420p[v]`;
  const video = join(work, 'candidate.ivf');
  tool('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', ...inputs, '-filter_complex', chain, '-map', '[v]'],
    ...['-r', String(FPS), '-frames:v', String(Math.round((mediaMs * FPS) / 1000))],
    ...['-c:v', 'libvpx', '-b:v', '1M', '-g', String(FPS), '-keyint_min', String(FPS)],
    ...['-deadline', 'good', '-cpu-used', '4', '-threads', '1', '-auto-alt-ref', '0'],
    ...['-fflags', '+bitexact', '-flags:v', '+bitexact', '-an', video],
  ]);
  const built: BuiltMedia = {
    dir: out,
    video: join(out, 'candidate.ivf'),
    candidateAudio: join(out, 'candidate.ogg'),
    ...(recipe.interviewer.length ? { interviewerAudio: join(out, 'interviewer.ogg') } : {}),
    timeline,
    mediaMs,
  };
  ogg('candidate');
  if (built.interviewerAudio) ogg('interviewer');
  for (const i of recipe.camera.keys()) rmSync(join(work, `still-${i}.png`));
  writeFileSync(join(work, 'timeline.json'), `${JSON.stringify(timeline, null, 2)}\n`);
  writeFileSync(join(work, 'built.json'), `${JSON.stringify(built, null, 2)}\n`);
  rmSync(out, { recursive: true, force: true });
  renameSync(work, out);
  // older builds of the same scenario are stale
  const name = basename(out).replace(/-[0-9a-f]{16}$/, '');
  for (const old of readdirSync(CACHE_DIR)) {
    if (old !== basename(out) && new RegExp(`^${name}-[0-9a-f]{16}$`).test(old)) {
      rmSync(join(CACHE_DIR, old), { recursive: true, force: true });
    }
  }
  return built;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const dir of process.argv.slice(2)) {
    const built = await buildScenario(dir);
    console.log(`${dir} → ${built.dir} (${(built.mediaMs / 1000).toFixed(1)} s)`);
    console.log(JSON.stringify(built.timeline));
  }
}
