import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { cpuShares, MachineProbe, parseCpuTimes, summariseProbe } from './machine-probe.js';

describe('machine probe', () => {
  it('sums up units: medians, and the share of wall time spent waiting for a core', () => {
    const s = summariseProbe([
      { at: 1, wallMs: 10, cpuMs: 5 },
      { at: 2, wallMs: 6, cpuMs: 6 },
      { at: 3, wallMs: 4, cpuMs: 4 },
    ]);
    expect(s).toEqual({ samples: 3, unitCpuMs: 5, unitWallMs: 6, waitShare: 0.25 });
    expect(summariseProbe([])).toEqual({ samples: 0, unitCpuMs: null, unitWallMs: null, waitShare: null });
  });

  it("reads the machine's CPU time by state from /proc/stat, and its shares between two readings", () => {
    const a = parseCpuTimes('cpu  100 0 50 800 10 0 5 0 0 0\ncpu0 50 0 25 400 5 0 2 0 0 0\n');
    expect(a).toEqual({ busy: 155, idle: 800, iowait: 10, steal: 0 });
    const b = parseCpuTimes('cpu  200 0 100 900 10 0 10 30 0 0\n');
    expect(cpuShares(a, b)).toEqual({ busy: 0.544, idle: 0.351, iowait: 0, steal: 0.105 });
  });

  it('measures real units in its own process, between two times', async () => {
    const probe = new MachineProbe({ iterations: 200_000, everyMs: 20 });
    const from = Date.now();
    probe.start();
    try {
      let s = probe.summary(from, Date.now());
      for (let i = 0; i < 500 && s.samples < 3; i++) {
        await sleep(20);
        s = probe.summary(from, Date.now());
      }
      expect(s.samples).toBeGreaterThanOrEqual(3);
      expect(s.unitCpuMs).toBeGreaterThan(0);
      expect(s.unitWallMs).toBeGreaterThan(0);
      expect(probe.summary(0, from - 1).samples).toBe(0);
    } finally {
      probe.stop();
    }
  });
});
