import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { linuxProc, ProcessTreeCpu, type ProcSource, parseProcStat } from './cpu-meter.js';

/**
 * A `/proc` whose processes the test sets: pid → [ppid, ticks, started (s since boot, default 0)], on a machine up
 * for `uptime()` seconds (default an hour: every process long past its start-up).
 */
function fakeProc(table: Map<number, [number, number, number?]>, uptime = () => 3600): ProcSource {
  return {
    pids: () => [...table.keys()],
    stat: (pid) => {
      const e = table.get(pid);
      return e ? { pid, ppid: e[0], ticks: e[1], startTicks: (e[2] ?? 0) * 100 } : undefined;
    },
    uptimeSeconds: uptime,
  };
}

describe('parseProcStat', () => {
  it('reads ppid and utime+stime+cutime+cstime, whatever the command name holds', () => {
    const line = '4242 (node (job) x) S 4000 4242 4000 0 -1 4194304 100 0 0 0 250 50 7 3 20 0 11 0 100 0 0';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 4000, ticks: 250 + 50 + 7 + 3, startTicks: 100 });
  });

  it('refuses a line that is not a stat line', () => {
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});

describe('ProcessTreeCpu', () => {
  it('counts the root and its descendants, not other processes', () => {
    const table = new Map<number, [number, number]>([
      [1, [0, 0]],
      [10, [1, 100]], // worker
      [11, [10, 100]], // job process
      [12, [11, 100]], // its child
      [20, [1, 100]], // livekit-server: not ours
    ]);
    let now = 0;
    const cpu = new ProcessTreeCpu({
      rootPid: 10,
      source: fakeProc(table),
      ticksPerSecond: 100,
      now: () => now,
    });
    expect(cpu.sample()).toBe(0);
    now = 1000;
    table.set(10, [1, 110]);
    table.set(11, [10, 150]);
    table.set(12, [11, 140]);
    table.set(20, [1, 300]);
    // (10 + 50 + 40) ticks in 1 s at 100 ticks/s
    expect(cpu.sample()).toBeCloseTo(1.0);
  });

  it('counts a process started within the interval with all its time, and a reaped one once', () => {
    const table = new Map<number, [number, number]>([
      [10, [1, 0]],
      [11, [10, 500]],
    ]);
    let now = 0;
    const cpu = new ProcessTreeCpu({
      rootPid: 10,
      source: fakeProc(table),
      ticksPerSecond: 100,
      now: () => now,
    });
    cpu.sample();
    now = 2000;
    // 11 used 20 more ticks then exited; the worker reaped it: its whole 520 ticks moved into cutime
    table.delete(11);
    table.set(10, [1, 520]);
    table.set(12, [10, 30]); // a new job process
    expect(cpu.sample()).toBeCloseTo((20 + 30) / 100 / 2);
  });

  it('leaves out the CPU of a process in its start-up grace (a warm job process loading), counts it after', () => {
    let uptime = 1000;
    // the worker (long running) and a job process started at 998 s: loading its models
    const table = new Map<number, [number, number, number?]>([
      [10, [1, 0]],
      [11, [10, 0, 998]],
    ]);
    let now = 0;
    const cpu = new ProcessTreeCpu({
      rootPid: 10,
      source: fakeProc(table, () => uptime),
      ticksPerSecond: 100,
      now: () => now,
      startupGraceMs: 10_000,
    });
    cpu.sample();
    // 5 s in: the job process used a core for 2.5 s, the worker 0.1 s
    uptime = 1003;
    now = 2500;
    table.set(10, [1, 10]);
    table.set(11, [10, 250, 998]);
    expect(cpu.sample()).toBeCloseTo(10 / 100 / 2.5);
    // 11.5 s in: past its grace, its CPU since the last sample counts, not what it used before
    uptime = 1009.5;
    now = 9000;
    table.set(11, [10, 250 + 65, 998]);
    expect(cpu.sample()).toBeCloseTo(65 / 100 / 6.5);
    // without a grace it all counts
    const counted = new ProcessTreeCpu({
      rootPid: 10,
      source: fakeProc(table, () => uptime),
      now: () => now,
      startupGraceMs: 0,
    });
    counted.sample();
    now = 10_000;
    table.set(11, [10, 315 + 100, 998]);
    expect(counted.sample()).toBeCloseTo(1);
  });

  it.runIf(ProcessTreeCpu.available())('measures a real busy child of this process', async () => {
    // no grace: this test process may itself be only seconds old
    const cpu = new ProcessTreeCpu({ source: linuxProc, startupGraceMs: 0 });
    cpu.sample();
    const from = performance.now();
    // spins until it has used 0.5 s of CPU, however long a busy host makes that take
    const child = spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < 500000) {}']);
    await new Promise((resolve) => child.once('exit', resolve));
    // the child was reaped by this process: its time is counted through cutime
    const cpuSeconds = cpu.sample() * ((performance.now() - from) / 1000);
    expect(cpuSeconds).toBeGreaterThan(0.45);
  });

  it.runIf(ProcessTreeCpu.available())('leaves out a real child busy in its first seconds', async () => {
    const tree = new ProcessTreeCpu({ source: linuxProc, startupGraceMs: 60_000 });
    const counted = new ProcessTreeCpu({ source: linuxProc, startupGraceMs: 0 });
    tree.sample();
    counted.sample();
    const from = performance.now();
    // spins for 0.5 s of CPU, says so, then stays alive (idle) until killed
    const child = spawn(process.execPath, [
      '-e',
      "while (process.cpuUsage().user < 500000) {} console.log('spun'); setInterval(() => {}, 1000);",
    ]);
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      const seconds = (performance.now() - from) / 1000;
      expect(counted.sample() * seconds).toBeGreaterThan(0.45);
      // this process and the child are both within the minute's grace: nothing counts
      expect(tree.sample()).toBe(0);
    } finally {
      child.kill();
    }
  });
});
