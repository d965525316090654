import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  clientMessageSchema,
  type InterviewPlan,
  interviewPlanSchema,
  PROTOCOL_VERSION,
} from '@interview-helper/protocol';
import { z } from 'zod';
import { buildScenario, CACHE_DIR } from './build.js';
import {
  type CodeUpdate,
  codeScriptSchema,
  type Expected,
  expectedSchema,
  findFile,
  MEDIA_NAMES,
  readJson,
  recipeSchema,
  resolveTime,
  type Timeline,
} from './scenario.js';
import { inspectIvf, inspectOgg, inspectVideo, ScenarioFileError } from './validate.js';

/** A scenario ready to play: checked files, resolved times. */
export interface Scenario {
  name: string;
  dir: string;
  /** VP8 IVF (a Y4M input is converted). */
  video: string;
  /** Lower simulcast layers of `video` (VP8 IVF, smaller): the camera is then published as simulcast. */
  videoLayers?: string[];
  candidateAudio: string;
  interviewerAudio?: string;
  code: (Omit<CodeUpdate, 'atMs'> & { atMs: number })[];
  settings?: Record<string, unknown>;
  /** The interview plan the session is created with (`plan.json`). */
  plan?: InterviewPlan;
  expected: Expected;
  timeline: Timeline;
  mediaMs: number;
  listenAfterMs: number;
  /** A silent second interviewer joins (recipient `interviewer-2`). */
  secondInterviewer: boolean;
}

const LISTEN_AFTER_MS = 8000;

/** Converts a Y4M camera to VP8 IVF in the cache (keyed by its size and time). */
function y4mToIvf(path: string): string {
  const st = statSync(path);
  const out = join(CACHE_DIR, 'y4m', `${basename(path, '.y4m')}-${st.size}-${Math.round(st.mtimeMs)}.ivf`);
  if (existsSync(out)) return out;
  mkdirSync(join(CACHE_DIR, 'y4m'), { recursive: true });
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-i', path, '-c:v', 'libvpx', '-b:v', '1M'],
    ...['-g', '15', '-deadline', 'good', '-cpu-used', '4', '-an', out],
  ]);
  return out;
}

/**
 * Loads the scenario in `dir`: builds its media from `scenario.json` when there is one, otherwise takes
 * `candidate.ivf|y4m`, `candidate.ogg`, `interviewer.ogg` (optional) and `timeline.json` (optional, for anchors)
 * as they are. Checks every file and resolves every time, so a bad scenario fails before anything starts.
 * @throws Error naming the file that is missing, truncated, of the wrong codec or invalid.
 */
export async function loadScenario(dir: string): Promise<Scenario> {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new ScenarioFileError(abs, 'no such scenario directory');
  const expected = readJson(join(abs, 'expected.json'), expectedSchema);
  const recipePath = join(abs, 'scenario.json');
  let media: {
    video: string;
    candidateAudio: string;
    interviewerAudio?: string;
    timeline: Timeline;
    mediaMs?: number;
  };
  let settings: Record<string, unknown> | undefined;
  let listenAfterMs = LISTEN_AFTER_MS;
  let secondInterviewer = false;
  if (existsSync(recipePath)) {
    const recipe = readJson(recipePath, recipeSchema);
    settings = recipe.settings;
    listenAfterMs = recipe.listenAfterMs;
    secondInterviewer = recipe.secondInterviewer;
    media = await buildScenario(abs);
  } else {
    const need = (names: readonly string[], what: string) => {
      const found = findFile(abs, names);
      if (!found)
        throw new ScenarioFileError(
          join(abs, names[0] as string),
          `missing (${what}; or add a scenario.json recipe)`,
        );
      return found;
    };
    const timelinePath = findFile(abs, MEDIA_NAMES.timeline);
    const interviewerAudio = findFile(abs, MEDIA_NAMES.interviewerAudio);
    media = {
      video: need(MEDIA_NAMES.video, 'the candidate camera, VP8 IVF or Y4M'),
      candidateAudio: need(MEDIA_NAMES.candidateAudio, 'the candidate microphone, Opus OGG'),
      ...(interviewerAudio ? { interviewerAudio } : {}),
      timeline: timelinePath
        ? readJson(timelinePath, z.record(z.string(), z.object({ start: z.number(), end: z.number() })))
        : {},
    };
    const settingsPath = join(abs, 'settings.json');
    if (existsSync(settingsPath)) settings = readJson(settingsPath, z.record(z.string(), z.unknown()));
  }
  const videoInfo = inspectVideo(media.video);
  const video = videoInfo.codec === 'y4m' ? y4mToIvf(media.video) : media.video;
  if (video !== media.video) inspectIvf(video);
  const audio = inspectOgg(media.candidateAudio);
  const other = media.interviewerAudio ? inspectOgg(media.interviewerAudio) : undefined;
  const mediaMs = media.mediaMs ?? Math.max(videoInfo.durationMs, audio.durationMs, other?.durationMs ?? 0);
  const timeline: Timeline = { ...media.timeline, media: { start: 0, end: mediaMs } };

  if (settings) {
    const parsed = clientMessageSchema.safeParse({ v: PROTOCOL_VERSION, ...settings });
    if (!parsed.success || parsed.data.type !== 'settings') {
      throw new ScenarioFileError(
        existsSync(recipePath) ? recipePath : join(abs, 'settings.json'),
        `settings is not a valid settings message`,
      );
    }
  }
  const planPath = join(abs, 'plan.json');
  const plan = existsSync(planPath) ? readJson(planPath, interviewPlanSchema) : undefined;
  const codePath = join(abs, 'code.json');
  const code = existsSync(codePath)
    ? readJson(codePath, codeScriptSchema).map((c, i) => ({
        ...c,
        atMs: resolveTime(c.atMs, timeline, `${codePath}[${i}]`),
      }))
    : [];
  // every anchor must resolve now, not after a minute of media
  for (const [i, e] of expected.events.entries()) {
    for (const t of [e.window.fromMs, e.window.toMs, e.triggerMs]) {
      if (t !== undefined) resolveTime(t, timeline, `${join(abs, 'expected.json')} events[${i}]`);
    }
  }
  for (const [i, f] of expected.forbidden.entries()) {
    if (f.window)
      for (const t of [f.window.fromMs, f.window.toMs])
        resolveTime(t, timeline, `${join(abs, 'expected.json')} forbidden[${i}]`);
  }
  return {
    name: basename(abs),
    dir: abs,
    video,
    candidateAudio: media.candidateAudio,
    ...(media.interviewerAudio ? { interviewerAudio: media.interviewerAudio } : {}),
    code,
    ...(settings ? { settings: { v: PROTOCOL_VERSION, ...settings } } : {}),
    ...(plan ? { plan } : {}),
    expected,
    timeline,
    mediaMs,
    listenAfterMs,
    secondInterviewer,
  };
}
