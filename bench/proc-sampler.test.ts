import { describe, expect, it } from 'vitest';
import {
  agentRole,
  byRole,
  descendsFrom,
  type ProcTrack,
  parseRss,
  parseStat,
  usageOver,
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

describe('usageOver and byRole', () => {
  const MB = 1024 * 1024;
  const track = (pid: number, role: ProcTrack['role'], ticks: number[], rss: number[]): ProcTrack => ({
    pid,
    role,
    cmd: role,
    samples: ticks.map((t, i) => ({ t: 1_000 * i, ticks: t, rssBytes: (rss[i] as number) * MB })),
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
      seenSeconds: 3,
    });
    expect(usageOver(track(1, 'job', [0], [1]), 5_000, 6_000, 100)).toBeNull();
  });
  it('sums cores and peak RSS per role', () => {
    const usage = [
      usageOver(track(1, 'job', [0, 100], [200, 300]), 0, 1_000, 100),
      usageOver(track(2, 'job', [0, 20], [250, 250]), 0, 1_000, 100),
      usageOver(track(3, 'worker', [0, 5], [90, 95]), 0, 1_000, 100),
    ].flatMap((u) => (u ? [u] : []));
    expect(byRole(usage)).toEqual({
      job: { processes: 2, cores: 1.2, rssMB: 550 },
      worker: { processes: 1, cores: 0.05, rssMB: 95 },
    });
  });
});
