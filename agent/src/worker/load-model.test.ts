import { describe, expect, it } from 'vitest';
import { LoadModel } from './load-model.js';

const model = new LoadModel({ maxJobs: 4, cores: 2, cpuLimit: 0.8, lagLimitMs: 1500, loadThreshold: 0.7 });
const idle = { jobs: 0, cpuCores: 0, lagMs: 0 };

describe('LoadModel', () => {
  it('reports the largest pressure, scaled to the threshold, full at 1', () => {
    const s = model.state({ jobs: 1, cpuCores: 0.8, lagMs: 100 });
    expect(s.pressure.slots).toBeCloseTo(0.25);
    expect(s.pressure.cpu).toBeCloseTo(0.5);
    expect(s.total).toBeCloseTo(0.5);
    expect(s.reported).toBeCloseTo(0.35);
    expect(s.reached).toEqual([]);
    const full = model.state({ jobs: 4, cpuCores: 0.1, lagMs: 0 });
    expect(full.reached).toEqual(['slots']);
    expect(full.reported).toBeCloseTo(0.7);
  });

  it('never reports more than the threshold (livekit-server never picks a worker at 1)', () => {
    expect(model.state({ jobs: 9, cpuCores: 8, lagMs: 60_000 }).reported).toBeCloseTo(0.7);
  });

  it('admits a room while a slot is free, CPU is within budget and analysis is on time', () => {
    expect(model.refuses(idle)).toEqual([]);
    expect(model.refuses({ ...idle, jobs: 3 })).toEqual([]);
    expect(model.refuses({ ...idle, jobs: 4 })).toEqual(['slots']);
  });

  it('refuses on the CPU of its process tree and on lag, whatever the slots', () => {
    expect(model.refuses({ ...idle, cpuCores: 1.6 })).toEqual(['cpu']);
    expect(model.refuses({ ...idle, cpuCores: 1.5 })).toEqual([]);
    expect(model.refuses({ ...idle, lagMs: 1500 })).toEqual(['lag']);
    expect(model.refuses({ jobs: 4, cpuCores: 2, lagMs: 2000 })).toEqual(['slots', 'cpu', 'lag']);
  });

  it('rejects options that make no sense', () => {
    expect(() => new LoadModel({ cores: 2, maxJobs: 0 })).toThrow(RangeError);
    expect(() => new LoadModel({ cores: 0 })).toThrow(RangeError);
    expect(() => new LoadModel({ cores: 2, cpuLimit: 1.5 })).toThrow(RangeError);
    expect(() => new LoadModel({ cores: 2, loadThreshold: 1 })).toThrow(RangeError);
  });
});
