import { describe, expect, it } from 'vitest';
import { CandidateActivity } from '../analysers/activity.js';
import { FrameSampler, processCpuShare } from './sampler.js';

/** Feeds a 10 fps camera for `seconds` from `from`; how many frames the sampler took. */
function feed(sampler: FrameSampler, from: number, seconds: number): number {
  let taken = 0;
  for (let t = from; t < from + seconds * 1000; t += 100) if (sampler.take(t)) taken++;
  return taken;
}

describe('FrameSampler', () => {
  it('samples at the speaking rate while the candidate speaks and at the idle rate otherwise', () => {
    const activity = new CandidateActivity();
    const sampler = new FrameSampler({ speakingFps: 2, idleFps: 1, load: () => 0 }, activity);
    expect(feed(sampler, 0, 10)).toBe(10);
    activity.speechStarted(10_000);
    const speaking = feed(sampler, 10_000, 10);
    expect([20, 21]).toContain(speaking); // 21 when the first speaking frame lands right on the switch
    activity.speechEnded(20_000);
    expect(feed(sampler, 20_000, 10)).toBe(10);
    const w = sampler.window(30_000);
    expect(w).toMatchObject({ seen: 300, analysed: 20 + speaking, spanMs: 30_000, targetFps: 1 });
    expect(w.skipped).toBe(300 - 20 - speaking);
    expect(w.analysedFps).toBeCloseTo((20 + speaking) / 30, 5);
    expect(sampler.window(31_000)).toMatchObject({ seen: 0, analysed: 0 });
  });

  it('keeps the average rate when frames do not line up with it (15 fps camera, 2 fps target)', () => {
    const sampler = new FrameSampler({ speakingFps: 2, idleFps: 2, load: () => 0 });
    let taken = 0;
    for (let i = 0; i < 15 * 60; i++) if (sampler.take((i * 1000) / 15)) taken++;
    expect(taken).toBeGreaterThanOrEqual(119);
    expect(taken).toBeLessThanOrEqual(121);
  });

  it('lowers the rate in proportion to CPU load above the threshold, never below the floor', () => {
    let load = 0.3;
    const sampler = new FrameSampler({
      speakingFps: 2,
      idleFps: 2,
      highLoad: 0.6,
      minFps: 0.25,
      load: () => load,
    });
    expect(sampler.targetFps()).toBe(2);
    load = 0.9;
    expect(sampler.targetFps()).toBeCloseTo(2 * (0.6 / 0.9), 5);
    expect(feed(sampler, 0, 12)).toBeLessThanOrEqual(17);
    load = 1;
    expect(
      new FrameSampler({ idleFps: 0.3, minFps: 0.25, highLoad: 0.05, load: () => load }).targetFps(),
    ).toBe(0.25);
  });

  it('takes the first frame at a time asked for, then goes on at its rate from there', () => {
    const sampler = new FrameSampler({ idleFps: 1, load: () => 0 });
    const taken: number[] = [];
    for (let t = 0; t < 5000; t += 100) {
      if (t === 1200) sampler.lookAt(2500);
      if (sampler.take(t)) taken.push(t);
    }
    expect(taken).toEqual([0, 1000, 2000, 2500, 3500, 4500]);
    expect(sampler.window(5000)).toMatchObject({ analysed: 6, closer: 1 });
    // a wish withdrawn, or one the rate meets anyway, takes nothing extra
    sampler.lookAt(5200);
    sampler.lookAt(undefined);
    const more: number[] = [];
    for (let t = 5000; t < 7000; t += 100) if (sampler.take(t)) more.push(t);
    expect(more).toEqual([5500, 6500]);
    sampler.lookAt(7500);
    for (let t = 7000; t < 8000; t += 100) sampler.take(t);
    expect(sampler.window(8000)).toMatchObject({ analysed: 3, closer: 0 });
  });

  it('refuses rates that are not positive', () => {
    expect(() => new FrameSampler({ speakingFps: 0 })).toThrow(/speakingFps/);
    expect(() => new FrameSampler({ idleFps: undefined })).not.toThrow();
  });

  it('measures the process CPU share over a window', async () => {
    processCpuShare();
    await new Promise((r) => setTimeout(r, 2100));
    const idle = processCpuShare();
    // a sleeping test process uses a small share of the machine, and the share is a fraction
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThan(0.5);
  });
});
