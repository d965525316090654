import { describe, expect, it } from 'vitest';
import { frameworkPoolPrototype } from './framework-pool.js';
import { watchJobLaunches } from './job-launches.js';

describe('watchJobLaunches', () => {
  it("tells of each launch through the framework's process pool, whichever launchJob is in place", async () => {
    const proto = await frameworkPoolPrototype();
    expect(typeof proto?.launchJob).toBe('function');
    if (!proto) return;
    const original = proto.launchJob;
    try {
      // stands in for the pool that runs the jobs (the framework's own, or the room hosts put in place before)
      const ran: string[] = [];
      proto.launchJob = async function (this: { name: string }, info: { job: { id: string } }) {
        ran.push(`${this.name}:${info.job.id}`);
        if (info.job.id === 'bad') throw new Error('no process');
      };
      const seen: [string, Promise<void>][] = [];
      expect(await watchJobLaunches((id, launch) => seen.push([id, launch]))).toBe(true);
      const pool = {
        name: 'pool',
        launchJob: proto.launchJob as (info: { job: { id: string } }) => Promise<void>,
      };
      await pool.launchJob({ job: { id: 'j1' } });
      await expect(pool.launchJob({ job: { id: 'bad' } })).rejects.toThrow('no process');
      expect(ran).toEqual(['pool:j1', 'pool:bad']);
      expect(seen.map(([id]) => id)).toEqual(['j1', 'bad']);
      await expect(seen[0]?.[1]).resolves.toBeUndefined();
      await expect(seen[1]?.[1]).rejects.toThrow('no process');
    } finally {
      proto.launchJob = original;
    }
  });
});
