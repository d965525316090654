import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from './load.js';
import { inspectIvf, inspectOgg, inspectVideo, inspectY4m } from './validate.js';

let dir: string;
const ffmpeg = (...args: string[]) =>
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
const video = (seconds: number) => ['-f', 'lavfi', '-i', `testsrc=size=64x48:rate=10:duration=${seconds}`];
const tone = ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-ac', '1'];
/** Writes the first `fraction` of `from` to `to`. */
function cut(from: string, to: string, fraction: number): string {
  const bytes = readFileSync(from);
  writeFileSync(to, bytes.subarray(0, Math.floor(bytes.length * fraction)));
  return to;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'replay-validate-'));
  ffmpeg(...video(2), '-c:v', 'libvpx', '-g', '10', join(dir, 'ok.ivf'));
  ffmpeg(...video(1), '-c:v', 'libvpx-vp9', join(dir, 'vp9.ivf'));
  ffmpeg(...tone, '-c:a', 'libopus', join(dir, 'ok.ogg'));
  ffmpeg(...tone, '-c:a', 'flac', '-f', 'ogg', join(dir, 'flac.ogg'));
  ffmpeg(...video(1), '-pix_fmt', 'yuv420p', join(dir, 'ok.y4m'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scenario media checks', () => {
  it('accept VP8 IVF, Opus OGG and Y4M with their length', () => {
    expect(inspectIvf(join(dir, 'ok.ivf'))).toMatchObject({ codec: 'vp8', frames: 20, durationMs: 2000 });
    const ogg = inspectOgg(join(dir, 'ok.ogg'));
    expect(ogg.codec).toBe('opus');
    expect(Math.abs(ogg.durationMs - 1000)).toBeLessThanOrEqual(20);
    expect(inspectY4m(join(dir, 'ok.y4m'))).toMatchObject({ codec: 'y4m', frames: 10, durationMs: 1000 });
  });

  it('name a missing file', () => {
    const path = join(dir, 'nope.ivf');
    expect(() => inspectIvf(path)).toThrow(`${path}: missing`);
    expect(() => inspectOgg(join(dir, 'nope.ogg'))).toThrow(/nope\.ogg: missing/);
  });

  it('name a truncated file and where it ends', () => {
    const ivf = cut(join(dir, 'ok.ivf'), join(dir, 'cut.ivf'), 0.6);
    expect(() => inspectIvf(ivf)).toThrow(/cut\.ivf: truncated in frame \d+/);
    expect(() => inspectIvf(cut(ivf, join(dir, 'head.ivf'), 0.0005))).toThrow(
      /head\.ivf: truncated: \d+ bytes/,
    );
    const ogg = cut(join(dir, 'ok.ogg'), join(dir, 'cut.ogg'), 0.7);
    expect(() => inspectOgg(ogg)).toThrow(/cut\.ogg: truncated/);
    const y4m = cut(join(dir, 'ok.y4m'), join(dir, 'cut.y4m'), 0.55);
    expect(() => inspectY4m(y4m)).toThrow(/cut\.y4m: truncated in frame 6/);
  });

  it('name a file of the wrong codec', () => {
    expect(() => inspectIvf(join(dir, 'vp9.ivf'))).toThrow(/vp9\.ivf: wrong codec VP90/);
    expect(() => inspectOgg(join(dir, 'flac.ogg'))).toThrow(/flac\.ogg: wrong codec .*only Opus/);
    expect(() => inspectOgg(join(dir, 'ok.ivf'))).toThrow(/ok\.ivf: not an Ogg file/);
    expect(() => inspectVideo(join(dir, 'ok.ogg'))).toThrow(/ok\.ogg: unknown video format/);
  });

  it('a scenario directory names its missing or bad file before anything plays', async () => {
    const scenario = join(dir, 'scenario');
    execFileSync('mkdir', ['-p', scenario]);
    const expected = {
      events: [
        { type: 'hint', kind: 'long-pause', window: { fromMs: 'pause.start+8000', toMs: 'pause.end' } },
      ],
    };
    writeFileSync(join(scenario, 'expected.json'), JSON.stringify(expected));
    await expect(loadScenario(scenario)).rejects.toThrow(/scenario\/candidate\.ivf: missing/);
    copyFileSync(join(dir, 'vp9.ivf'), join(scenario, 'candidate.ivf'));
    await expect(loadScenario(scenario)).rejects.toThrow(/scenario\/candidate\.ogg: missing/);
    copyFileSync(join(dir, 'flac.ogg'), join(scenario, 'candidate.ogg'));
    await expect(loadScenario(scenario)).rejects.toThrow(/candidate\.ivf: wrong codec VP90/);
    copyFileSync(join(dir, 'ok.ivf'), join(scenario, 'candidate.ivf'));
    await expect(loadScenario(scenario)).rejects.toThrow(/candidate\.ogg: wrong codec/);
    copyFileSync(join(dir, 'ok.ogg'), join(scenario, 'candidate.ogg'));
    await expect(loadScenario(scenario)).rejects.toThrow(
      /expected\.json events\[0\]: unknown anchor "pause\.start\+8000"/,
    );
    writeFileSync(join(scenario, 'timeline.json'), JSON.stringify({ pause: { start: 0, end: 9000 } }));
    const loaded = await loadScenario(scenario);
    expect(loaded.mediaMs).toBe(2000);
    writeFileSync(join(scenario, 'expected.json'), '{"events": [');
    await expect(loadScenario(scenario)).rejects.toThrow(/scenario\/expected\.json: not valid JSON/);
    const gaze = { type: 'signal', kind: 'gaze-away', window: { fromMs: 0, toMs: 1000 } };
    writeFileSync(join(scenario, 'expected.json'), JSON.stringify({ events: [gaze] }));
    await expect(loadScenario(scenario)).rejects.toThrow(/expected\.json.*unknown signal kind gaze-away/);
  });
});
