import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MachineProbe, summariseProbe } from './machine-probe.js';

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
