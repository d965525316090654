/**
 * A long interview made of one replay scenario played over and over in the same room: its camera, microphones
 * and code-pad revisions repeated every period (the scenario's media plus a pause), and each expected or
 * forbidden event repeated with its window shifted by the same period. The media is built with ffmpeg into
 * the replay cache and reused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR } from '../test/replay/build.js';
import type { Scenario } from '../test/replay/load.js';
import { type Expected, resolveTime } from '../test/replay/scenario.js';

/** A period divisible into whole camera frames and audio samples: a multiple of 200 ms (3 frames at 15 fps). */
export function loopPeriodMs(mediaMs: number, gapMs: number): number {
  return Math.ceil((mediaMs + gapMs) / 200) * 200;
}

/** How many periods fill `durationMs` (at least one). */
export function loopsFor(durationMs: number, periodMs: number): number {
  return Math.max(1, Math.ceil(durationMs / periodMs));
}

/**
 * The expectations of `loops` back-to-back plays: every windowed event once per loop, shifted by `periodMs` and
 * named `#k`; forbidden events without a window once. Times are resolved against the scenario's own timeline. An
 * arrival matches an event as late or early only within one period of its window.
 */
export function loopExpected(
  s: Pick<Scenario, 'expected' | 'timeline'>,
  loops: number,
  periodMs: number,
): Expected {
  const at = (t: number | string, where: string) => resolveTime(t, s.timeline, where);
  const events: Expected['events'] = [];
  const forbidden: Expected['forbidden'] = [];
  for (let k = 0; k < loops; k++) {
    const shift = k * periodMs;
    for (const [i, e] of s.expected.events.entries()) {
      const where = `expected.json events[${i}]`;
      events.push({
        ...e,
        name: `${e.name ?? [e.type, e.kind].filter(Boolean).join(' ')} #${k + 1}`,
        window: { fromMs: at(e.window.fromMs, where) + shift, toMs: at(e.window.toMs, where) + shift },
        ...(e.triggerMs !== undefined ? { triggerMs: at(e.triggerMs, where) + shift } : {}),
      });
    }
    for (const [i, f] of s.expected.forbidden.entries()) {
      if (!f.window) {
        if (k === 0) forbidden.push(f);
        continue;
      }
      const where = `expected.json forbidden[${i}]`;
      forbidden.push({
        ...f,
        window: { fromMs: at(f.window.fromMs, where) + shift, toMs: at(f.window.toMs, where) + shift },
      });
    }
  }
  return { ...s.expected, events, forbidden, matchWithinMs: periodMs };
}

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Builds `out` with `make(tmp)` unless it exists (atomically, so an interrupted build is not reused). */
function cached(out: string, make: (tmp: string) => void): string {
  if (existsSync(out)) return out;
  const tmp = `${out}.tmp-${process.pid}${out.slice(out.lastIndexOf('.'))}`;
  try {
    make(tmp);
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
  return out;
}

function loopAudio(src: string, dir: string, name: string, periodMs: number, loops: number): string {
  const padded = cached(join(dir, `${name}-period.wav`), (tmp) =>
    ffmpeg([
      '-i',
      src,
      '-af',
      `apad=whole_dur=${periodMs}ms,atrim=duration=${periodMs / 1000}`,
      '-ar',
      '48000',
      '-ac',
      '1',
      tmp,
    ]),
  );
  return cached(join(dir, `${name}.ogg`), (tmp) =>
    ffmpeg([
      ...['-stream_loop', String(loops - 1), '-i', padded],
      ...[
        '-c:a',
        'libopus',
        '-b:a',
        '48k',
        '-application',
        'voip',
        '-frame_duration',
        '20',
        '-ar',
        '48000',
        '-ac',
        '1',
      ],
      tmp,
    ]),
  );
}

function loopVideo(src: string, dir: string, fps: number, periodMs: number, loops: number): string {
  const frames = Math.round((periodMs * fps) / 1000);
  const padded = cached(join(dir, 'camera-period.ivf'), (tmp) =>
    ffmpeg([
      ...['-i', src, '-vf', 'tpad=stop=-1:stop_mode=clone', '-frames:v', String(frames), '-r', String(fps)],
      ...[
        '-c:v',
        'libvpx',
        '-b:v',
        '1M',
        '-g',
        String(Math.round(fps)),
        '-keyint_min',
        String(Math.round(fps)),
      ],
      ...['-deadline', 'good', '-cpu-used', '4', '-threads', '1', '-auto-alt-ref', '0', '-an', tmp],
    ]),
  );
  return cached(join(dir, 'camera.ivf'), (tmp) =>
    ffmpeg(['-stream_loop', String(loops - 1), '-i', padded, '-c', 'copy', '-f', 'ivf', tmp]),
  );
}

/** Options of {@link loopScenario}. */
export interface LoopOptions {
  /** How long the looped interview lasts at least, ms. */
  durationMs: number;
  /** Pause after each play of the media before the next, ms (default: the scenario's listening tail). */
  gapMs?: number;
  /** Frames per second of the scenario's camera. */
  fps: number;
  /**
   * The shortest period of a scenario that expects a hint or a conduct note, ms. The agent does not repeat
   * them within a window (a hint with the same dedupe key merges into the first; an interruption note waits a
   * minute), so each loop's are new only when the loops are further apart than that.
   */
  repeatPeriodMs?: number;
}

/**
 * The period of `s` looped: its media, then `gapMs`, stretched to `repeatPeriodMs` when it expects a hint or a
 * conduct note.
 */
export function scenarioPeriodMs(
  s: Pick<Scenario, 'mediaMs' | 'listenAfterMs' | 'expected'>,
  o: Pick<LoopOptions, 'gapMs' | 'repeatPeriodMs'>,
): number {
  const kept = s.expected.events.some((e) => e.type === 'hint' || e.type === 'conduct');
  const gapMs = o.gapMs ?? s.listenAfterMs;
  const stretched = kept && o.repeatPeriodMs !== undefined ? o.repeatPeriodMs - s.mediaMs : 0;
  return loopPeriodMs(s.mediaMs, Math.max(gapMs, stretched));
}

/** `base` played back to back in one room for at least `durationMs`. */
export function loopScenario(base: Scenario, o: LoopOptions): Scenario {
  const periodMs = scenarioPeriodMs(base, o);
  const loops = loopsFor(o.durationMs, periodMs);
  const dir = join(CACHE_DIR, 'soak', `${base.name}-${periodMs}x${loops}`);
  mkdirSync(dir, { recursive: true });
  const step = Math.max(0, ...base.code.map((c) => c.revision)) + 1;
  return {
    ...base,
    name: `${base.name}-x${loops}`,
    video: loopVideo(base.video, dir, o.fps, periodMs, loops),
    candidateAudio: loopAudio(base.candidateAudio, dir, 'candidate', periodMs, loops),
    ...(base.interviewerAudio
      ? { interviewerAudio: loopAudio(base.interviewerAudio, dir, 'interviewer', periodMs, loops) }
      : {}),
    code: Array.from({ length: loops }, (_, k) =>
      base.code.map((c) => ({ ...c, atMs: c.atMs + k * periodMs, revision: c.revision + k * step })),
    ).flat(),
    expected: loopExpected(base, loops, periodMs),
    timeline: { media: { start: 0, end: loops * periodMs } },
    mediaMs: loops * periodMs,
  };
}
