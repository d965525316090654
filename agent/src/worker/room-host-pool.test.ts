import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningJobInfo } from '@livekit/agents';
import { afterEach, describe, expect, it } from 'vitest';
import { preloadEnv, resolveHostAllocator } from './allocator.js';
import { residentMb } from './memory-watch.js';
import { RoomHostPool, type RoomHostPoolOptions } from './room-host-pool.js';

const agentModule = fileURLToPath(new URL('./room-host-testing.ts', import.meta.url));
const hostMain = fileURLToPath(new URL('./room-host-main.ts', import.meta.url));

interface Note {
  event: string;
  jobId?: string;
  pid: number;
  execArgv?: string[];
  preloaded?: string[];
}

function setup(
  roomsPerProcess: number,
  spareProcesses = 1,
  roomsPerLife = 4 * roomsPerProcess,
  extra: Partial<RoomHostPoolOptions> = {},
) {
  const log = join(mkdtempSync(join(tmpdir(), 'room-host-')), 'events.jsonl');
  const pool = new RoomHostPool({
    ...extra,
    agentModule,
    roomsPerProcess,
    roomsPerLife,
    spareProcesses,
    initializeTimeoutMs: 60_000,
    closeTimeoutMs: 10_000,
    // the real host entry, run from source
    fork: (agent, loggerJson, nodeOptions, env) =>
      fork(hostMain, [agent, loggerJson], {
        execArgv: ['--import', 'tsx', ...nodeOptions],
        env: { ...(env ?? process.env), ROOM_HOST_TEST_LOG: log },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      }),
  });
  const notes = (): Note[] =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Note)
      : [];
  return { pool, notes };
}

function job(id: string, metadata = ''): RunningJobInfo {
  return {
    job: { id, metadata, room: { name: `room-${id}` } },
    url: 'ws://127.0.0.1:1',
    token: 'unused',
    workerId: 'w',
    acceptArguments: { identity: `agent-${id}`, name: '', metadata: '' },
  } as unknown as RunningJobInfo;
}

async function until<T>(what: string, get: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pools: RoomHostPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('RoomHostPool', () => {
  it('runs several rooms in one process, up to its share, then starts another', async () => {
    const { pool, notes } = setup(2);
    pools.push(pool);
    pool.start();
    await until('a started spare host', () => notes().some((n) => n.event === 'prewarm'));
    await pool.launchJob(job('a'));
    await pool.launchJob(job('b'));
    await pool.launchJob(job('c'));
    const entries = await until('three entries', () => {
      const e = notes().filter((n) => n.event === 'entry');
      return e.length === 3 && e;
    });
    const pidOf = (id: string) => entries.find((e) => e.jobId === id)?.pid;
    expect(pidOf('a')).toBe(pidOf('b'));
    expect(pidOf('c')).not.toBe(pidOf('a'));
    expect(
      pool.processes
        .map((p) => p.runningJob?.job.id)
        .filter(Boolean)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    expect(pool.getByJobId('b')?.runningJob.job.id).toBe('b');
    expect(pool.getByJobId('x')).toBeNull();
    // a full host, the one with room c, and a spare that has taken no room
    await until('a spare host beside the two in use', () => pool.hostPids.length === 3);
  });

  it('starts its hosts with the Node options it is given', async () => {
    const { pool, notes } = setup(2, 1, 8, { nodeOptions: ['--max-semi-space-size=8'] });
    pools.push(pool);
    pool.start();
    const prewarm = await until('a started spare host', () => notes().find((n) => n.event === 'prewarm'));
    expect(prewarm.execArgv).toContain('--max-semi-space-size=8');
  });

  it('starts its hosts in the environment it is given: a preloaded malloc library is mapped in each', async () => {
    const jemalloc = resolveHostAllocator('jemalloc');
    if ('problem' in jemalloc) throw new Error(jemalloc.problem);
    const { library } = jemalloc;
    const { pool, notes } = setup(2, 1, 8, { env: preloadEnv(library, process.env) });
    pools.push(pool);
    pool.start();
    const prewarm = await until('a started spare host', () => notes().find((n) => n.event === 'prewarm'));
    expect(prewarm.preloaded).toEqual([library]);
  });

  it('ends one job on close, keeps its neighbour, and retires a host that runs no room beyond the spares', async () => {
    const { pool, notes } = setup(2, 0);
    pools.push(pool);
    pool.start();
    await Promise.all([pool.launchJob(job('a')), pool.launchJob(job('b'))]);
    await until('two entries', () => notes().filter((n) => n.event === 'entry').length === 2);
    const [host] = pool.hostPids;
    await pool.getByJobId('a')?.close();
    expect(
      notes()
        .filter((n) => n.event === 'shutdown')
        .map((n) => n.jobId),
    ).toEqual(['a']);
    expect(pool.getByJobId('a')).toBeNull();
    expect(pool.getByJobId('b')).not.toBeNull();
    expect(pool.hostPids).toEqual([host]);
    await pool.getByJobId('b')?.close();
    await until('the emptied host to exit', () => pool.hostPids.length === 0);
    expect(
      notes()
        .filter((n) => n.event === 'shutdown')
        .map((n) => n.jobId),
    ).toEqual(['a', 'b']);
  });

  it('a host reuses the slot of an ended room until its life is used up, then exits after its last room', async () => {
    const { pool, notes } = setup(2, 1, 3);
    pools.push(pool);
    pool.start();
    await until('a started spare host', () => notes().some((n) => n.event === 'prewarm'));
    const pidOf = async (id: string) =>
      (await until(`the entry of ${id}`, () => notes().find((n) => n.event === 'entry' && n.jobId === id)))
        .pid;
    await pool.launchJob(job('a'));
    await pool.launchJob(job('b'));
    const host = await pidOf('a');
    expect(await pidOf('b')).toBe(host);
    await pool.getByJobId('a')?.close();
    await pool.launchJob(job('c'));
    expect(await pidOf('c')).toBe(host); // the slot of a, third room of its life
    await pool.getByJobId('b')?.close();
    await pool.launchJob(job('d'));
    expect(await pidOf('d')).not.toBe(host); // its life is used up
    await pool.getByJobId('c')?.close();
    await until('the used-up host to exit', () => !pool.hostPids.includes(host));
    expect(pool.getByJobId('d')).not.toBeNull();
  });

  it('a job whose entry fails ends alone; its neighbour runs on', async () => {
    const { pool, notes } = setup(4, 0);
    pools.push(pool);
    pool.start();
    await pool.launchJob(job('ok'));
    await pool.launchJob(job('bad', 'crash'));
    await until('the failed job to end', () =>
      notes().some((n) => n.event === 'shutdown' && n.jobId === 'bad'),
    );
    await until('the failed job to leave the list', () => pool.getByJobId('bad') === null);
    expect(pool.getByJobId('ok')).not.toBeNull();
    expect(pool.hostPids).toHaveLength(1);
  });

  it('a killed host ends all its jobs; the next room starts on the spare host', async () => {
    const { pool, notes } = setup(4, 1);
    pools.push(pool);
    pool.start();
    await pool.launchJob(job('a'));
    await pool.launchJob(job('b'));
    const entries = await until('two entries', () => {
      const e = notes().filter((n) => n.event === 'entry');
      return e.length === 2 && e;
    });
    const killed = entries[0]?.pid ?? -1;
    expect(entries[1]?.pid).toBe(killed);
    const joins = ['a', 'b'].map((id) => pool.getByJobId(id)?.join());
    process.kill(killed, 'SIGKILL');
    await Promise.all(joins);
    expect(pool.processes.filter((p) => p.runningJob)).toEqual([]);
    expect(pool.hostPids).not.toContain(killed);
    await pool.launchJob(job('c'));
    const c = await until('the next entry', () =>
      notes().find((n) => n.event === 'entry' && n.jobId === 'c'),
    );
    expect(c.pid).not.toBe(killed);
    // the spare host took the room, so another spare is started
    await until('a new spare host', () => pool.hostPids.length === 2);
  });

  it('a host above its memory limit is killed with its rooms; one above the warning only is kept', async () => {
    // the hosts' real resident memory, plus 10 GB for the pids the test puts under pressure
    const pressed = new Set<number>();
    const reads = new Map<number, number>();
    const readRssMb = (pid: number) => {
      reads.set(pid, (reads.get(pid) ?? 0) + 1);
      const mb = residentMb(pid);
      return mb > 0 && pressed.has(pid) ? mb + 10_000 : mb;
    };
    const limited = setup(4, 1, 16, {
      memoryWarnMb: 2000,
      memoryLimitMb: 5000,
      memoryCheckMs: 100,
      readRssMb,
    });
    const warned = setup(4, 0, 16, { memoryWarnMb: 2000, memoryLimitMb: 0, memoryCheckMs: 100, readRssMb });
    pools.push(limited.pool, warned.pool);
    limited.pool.start();
    warned.pool.start();
    await limited.pool.launchJob(job('a'));
    await limited.pool.launchJob(job('b'));
    await warned.pool.launchJob(job('w'));
    const host = (
      await until('the entries of a and b', () => {
        const e = limited.notes().filter((n) => n.event === 'entry');
        return e.length === 2 && e;
      })
    )[0]?.pid as number;
    const kept = (await until('the entry of w', () => warned.notes().find((n) => n.event === 'entry'))).pid;
    // a real reading, far under both thresholds
    const real = await until('a memory reading of the host', () =>
      limited.pool.hostMemory.find((h) => h.pid === host && h.rssMb > 0),
    );
    expect(real.rssMb).toBeGreaterThan(20);
    expect(real.rssMb).toBeLessThan(2000);
    expect(real.rooms).toBe(2);

    const joins = ['a', 'b'].map((id) => limited.pool.getByJobId(id)?.join());
    pressed.add(host);
    pressed.add(kept);
    await Promise.all(joins);
    expect(limited.pool.hostPids).not.toContain(host);
    expect(limited.pool.processes.filter((p) => p.runningJob)).toEqual([]);
    // the next room starts on another host
    await limited.pool.launchJob(job('c'));
    const c = await until('the next entry', () =>
      limited.notes().find((n) => n.event === 'entry' && n.jobId === 'c'),
    );
    expect(c.pid).not.toBe(host);

    // above the warning, no limit: read, kept, its room still running
    await until('a reading above the warning', () =>
      warned.pool.hostMemory.find((h) => h.pid === kept && h.rssMb > 10_000),
    );
    const after = reads.get(kept) ?? 0;
    await until('three more readings', () => (reads.get(kept) ?? 0) >= after + 3);
    expect(warned.pool.hostPids).toEqual([kept]);
    expect(warned.pool.getByJobId('w')).not.toBeNull();
  });

  it('once the worker drains (closes a host that runs no room), no spare host is started again', async () => {
    const { pool, notes } = setup(4, 1);
    pools.push(pool);
    pool.start();
    await pool.launchJob(job('a'));
    await until('a spare beside the host with the room', () => pool.hostPids.length === 2);
    const [host] = pool.hostPids;
    await Promise.all(pool.processes.filter((p) => !p.runningJob).map((p) => p.close()));
    expect(pool.hostPids).toEqual([host]);
    await pool.getByJobId('a')?.close();
    await until('the emptied host to exit', () => pool.hostPids.length === 0);
    const prewarms = notes().filter((n) => n.event === 'prewarm').length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(pool.hostPids).toEqual([]);
    expect(notes().filter((n) => n.event === 'prewarm')).toHaveLength(prewarms);
  });

  it('the host exits when the worker goes away', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'room-host-')), 'events.jsonl');
    const child = fork(hostMain, [agentModule, '{"pretty":false,"level":"warn"}'], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ROOM_HOST_TEST_LOG: log },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.disconnect();
    expect(await exited).toBe(0);
  });

  it('refuses a share below one room', () => {
    expect(() => new RoomHostPool({ agentModule, roomsPerProcess: 0 })).toThrow(/roomsPerProcess/);
    expect(() => new RoomHostPool({ agentModule, roomsPerProcess: 4, roomsPerLife: 2 })).toThrow(
      /roomsPerLife/,
    );
  });
});
