import { describe, expect, it } from 'vitest';
import { JobReaper, type WatchedJob } from './job-reaper.js';

const job = (id: string, room = `room-${id}`): WatchedJob => ({
  job: { id, room: { name: room } },
  acceptArguments: { identity: `agent-${id}` },
});

describe('JobReaper', () => {
  it("removes the participant of a job that left the worker's running jobs, once", async () => {
    const removed: string[] = [];
    const reaper = new JobReaper({
      remove: async (room, identity) => {
        removed.push(`${room}/${identity}`);
        return true;
      },
    });
    await reaper.check([job('AJ_1'), job('AJ_2')]);
    expect(removed).toEqual([]);
    await reaper.check([job('AJ_2')]);
    expect(removed).toEqual(['room-AJ_1/agent-AJ_1']);
    await reaper.check([job('AJ_2'), job('AJ_3')]);
    await reaper.check([job('AJ_2'), job('AJ_3')]);
    expect(removed).toEqual(['room-AJ_1/agent-AJ_1']);
    await reaper.check([]);
    expect(removed.sort()).toEqual(['room-AJ_1/agent-AJ_1', 'room-AJ_2/agent-AJ_2', 'room-AJ_3/agent-AJ_3']);
  });

  it('ignores jobs without a room and goes on when a removal fails', async () => {
    let calls = 0;
    const reaper = new JobReaper({
      remove: async () => {
        calls++;
        throw new Error('livekit unreachable');
      },
    });
    await reaper.check([{ job: { id: 'AJ_x' }, acceptArguments: { identity: 'agent-AJ_x' } }, job('AJ_1')]);
    await expect(reaper.check([])).resolves.toBeUndefined();
    expect(calls).toBe(1);
  });

  it('follows the worker its load function is called with', async () => {
    const reaper = new JobReaper({ remove: async () => false, intervalMs: 10 });
    const worker = { activeJobs: [job('AJ_1')] };
    const load = reaper.watching(async (w: typeof worker) => w.activeJobs.length / 10);
    expect(await load(worker)).toBe(0.1);
    reaper.close();
  });
});
