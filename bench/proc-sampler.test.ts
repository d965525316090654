import { describe, expect, it } from 'vitest';
import {
  agentRole,
  byRole,
  coresOver,
  descendsFrom,
  type ProcTrack,
  parseRss,
  parseSmapsRollup,
  parseStat,
  usageOver,
  watchedGroup,
} from './proc-sampler.js';

describe('parseStat', () => {
  it('reads state, parent, group and CPU ticks past a command name with spaces and parentheses', () => {
    const line =
      '4242 (node (job) x) S 4200 4100 4100 0 -1 4194560 51234 0 12 0 1500 250 0 0 20 0 11 0 123456 1234567890 100000 18446744073709551615';
    expect(parseStat(line)).toEqual({ state: 'S', ppid: 4200, pgrp: 4100, ticks: 1750 });
  });
});

describe('parseRss', () => {
  it('reads VmRSS in bytes, 0 when absent', () => {
    expect(parseRss('Name:\tnode\nVmPeak:\t  900 kB\nVmRSS:\t  420512 kB\nThreads:\t11\n')).toBe(
      420512 * 1024,
    );
    expect(parseRss('Name:\tkthreadd\nThreads:\t1\n')).toBe(0);
  });
});

describe('parseSmapsRollup', () => {
  it('reads PSS and private (clean + dirty) memory in bytes, 0 when absent', () => {
    const text = [
      '00400000-7ffe556e8000 ---p 00000000 00:00 0                              [rollup]',
      'Rss:              260384 kB',
      'Pss:              197494 kB',
      'Pss_Dirty:        171036 kB',
      'Shared_Clean:      77052 kB',
      'Private_Clean:     12296 kB',
      'Private_Dirty:    171036 kB',
    ].join('\n');
    expect(parseSmapsRollup(text)).toEqual({
      pssBytes: 197494 * 1024,
      privateBytes: (12296 + 171036) * 1024,
    });
    expect(parseSmapsRollup('')).toEqual({ pssBytes: 0, privateBytes: 0 });
  });
});

describe('agentRole', () => {
  it('tells the worker, job, inference and recognizer processes apart', () => {
    expect(
      agentRole(
        'node --import tsx /r/node_modules/@livekit/agents/dist/ipc/job_proc_lazy_main.js /r/agent/src/agent.ts',
      ),
    ).toBe('job');
    expect(agentRole('node /r/node_modules/@livekit/agents/dist/ipc/inference_proc_lazy_main.js []')).toBe(
      'inference',
    );
    expect(agentRole('python3 /r/agent/src/transcription/stt_server.py --port 0')).toBe('stt');
    expect(agentRole('node /r/node_modules/.bin/tsx agent/src/main.ts start')).toBe('worker');
    expect(agentRole('node something-else.js')).toBe('agent-other');
  });
});

describe('descendsFrom', () => {
  it('follows parent links up to the root', () => {
    const stats = new Map([
      [10, { ppid: 1 }],
      [20, { ppid: 10 }],
      [30, { ppid: 20 }],
      [40, { ppid: 1 }],
    ]);
    expect(descendsFrom(30, 10, stats)).toBe(true);
    expect(descendsFrom(10, 10, stats)).toBe(true);
    expect(descendsFrom(40, 10, stats)).toBe(false);
    expect(descendsFrom(99, 10, stats)).toBe(false);
  });
});

describe('watchedGroup', () => {
  it('is the process’s own watched group, else its nearest ancestor’s (a service in a group of its own)', () => {
    const stats = new Map([
      [10, { ppid: 1, pgrp: 10 }], // the worker, leading its group
      [11, { ppid: 10, pgrp: 10 }], // a job process
      [20, { ppid: 10, pgrp: 20 }], // a shared service, leading a group of its own
      [30, { ppid: 1, pgrp: 30 }], // livekit-server
      [40, { ppid: 1, pgrp: 40 }], // another program
    ]);
    expect(watchedGroup(11, [10, 30], stats)).toBe(10);
    expect(watchedGroup(20, [10, 30], stats)).toBe(10);
    expect(watchedGroup(30, [10, 30], stats)).toBe(30);
    expect(watchedGroup(40, [10, 30], stats)).toBeUndefined();
  });
});

describe('usageOver and byRole', () => {
  const MB = 1024 * 1024;
  const track = (pid: number, role: ProcTrack['role'], ticks: number[], rss: number[]): ProcTrack => ({
    pid,
    role,
    cmd: role,
    samples: ticks.map((t, i) => ({
      t: 1_000 * i,
      ticks: t,
      rssBytes: (rss[i] as number) * MB,
      pssBytes: ((rss[i] as number) / 2) * MB,
      privateBytes: ((rss[i] as number) / 4) * MB,
    })),
  });
  it('divides CPU time by the span the process was seen in', () => {
    // 150 ticks at 100/s over 3 s → 0.5 core
    const u = usageOver(track(1, 'job', [0, 50, 100, 150, 400], [100, 120, 110, 130, 500]), 0, 3_000, 100);
    expect(u).toMatchObject({
      cores: 0.5,
      cpuSeconds: 1.5,
      rssStartMB: 100,
      rssEndMB: 130,
      rssMaxMB: 130,
      pssMaxMB: 65,
      privateMaxMB: 32.5,
      seenSeconds: 3,
    });
    expect(usageOver(track(1, 'job', [0], [1]), 5_000, 6_000, 100)).toBeNull();
  });
  it('counts the CPU time of a process born inside the span from zero', () => {
    const born: ProcTrack = {
      pid: 9,
      role: 'job',
      cmd: 'job',
      samples: [
        { t: 2_000, ticks: 40, rssBytes: MB, pssBytes: MB, privateBytes: MB },
        { t: 3_000, ticks: 90, rssBytes: MB, pssBytes: MB, privateBytes: MB },
      ],
    };
    expect(usageOver(born, 1_000, 4_000, 100)?.cpuSeconds).toBe(0.9);
    expect(usageOver(born, 2_000, 4_000, 100)?.cpuSeconds).toBe(0.5);
  });
  it('per role, divides the CPU time of every process by the span, so processes one after another do not add up', () => {
    const at = (start: number) => (i: number) => start + 1_000 * i;
    const seq = (pid: number, start: number): ProcTrack => ({
      pid,
      role: 'job',
      cmd: 'job',
      // one core for one second, one after the other
      samples: [0, 1].map((i) => ({
        t: at(start)(i),
        ticks: 100 * i,
        rssBytes: 200 * MB,
        pssBytes: 150 * MB,
        privateBytes: 120 * MB,
      })),
    });
    const usage = [seq(1, 0), seq(2, 2_000), seq(3, 4_000)].flatMap((t) => usageOver(t, 0, 5_000, 100) ?? []);
    const worker = usageOver(
      track(4, 'worker', [0, 5, 10, 15, 20, 25], [90, 95, 95, 95, 95, 95]),
      0,
      5_000,
      100,
    );
    expect(byRole([...usage, ...(worker ? [worker] : [])], 5)).toEqual({
      job: { processes: 3, cores: 0.6, rssMB: 600, pssMB: 450 },
      worker: { processes: 1, cores: 0.05, rssMB: 95, pssMB: 47.5 },
    });
    expect(coresOver(usage, 5)).toBe(0.6);
    expect(coresOver(usage, 0)).toBe(0);
  });
});
