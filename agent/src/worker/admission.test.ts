import { JobRequest } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { type AdmissionRequest, type JobLag, WorkerAdmission } from './admission.js';
import { LoadModel } from './load-model.js';

/**
 * A job request that records how it was answered. Like the framework's, `accept` only sends the answer: it resolves
 * long before livekit-server's assignment comes and a process takes the job.
 */
function request(id: string) {
  const r = {
    answer: undefined as 'accept' | 'reject' | undefined,
    req: undefined as unknown as AdmissionRequest,
  };
  r.req = {
    id,
    room: { name: `room-${id}` } as AdmissionRequest['room'],
    accept: async () => {
      r.answer = 'accept';
    },
    reject: async () => {
      r.answer = 'reject';
    },
  };
  return r;
}

function admission(opts: { maxJobs?: number; now?: () => number } = {}) {
  const m = { cpu: 0, lags: [] as JobLag[] };
  const a = new WorkerAdmission({
    model: new LoadModel({ maxJobs: opts.maxJobs ?? 2, cores: 2, cpuLimit: 0.8, lagLimitMs: 1000 }),
    cpuCores: () => m.cpu,
    lags: { jobLags: () => m.lags },
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { a, m };
}

/** The job a livekit-server offer carries (only what the admission reads). */
type Job = ConstructorParameters<typeof JobRequest>[0];

const worker = (...ids: string[]) => ({ activeJobs: ids.map((id) => ({ job: { id } })) });

describe('WorkerAdmission', () => {
  it('accepts while a slot is free and declines a burst beyond its slots before any job runs', async () => {
    const { a } = admission({ maxJobs: 2 });
    const reqs = ['a', 'b', 'c'].map(request);
    // three offers within one load report: none of the accepted jobs runs yet
    for (const r of reqs) void a.requestFunc(r.req);
    await Promise.resolve();
    expect(reqs.map((r) => r.answer)).toEqual(['accept', 'accept', 'reject']);
    expect(a.jobs).toBe(2);
  });

  it("holds the slot of an answered job until it runs: the framework's accept() does not wait for the assignment", async () => {
    const { a } = admission({ maxJobs: 1 });
    const w = worker();
    await a.loadFunc(w);
    const answers: string[] = [];
    const offer = (id: string) =>
      new JobRequest(
        { id, room: { name: `room-${id}` } } as Job,
        async () => {
          answers.push(`${id}: reject`);
        },
        async () => {
          answers.push(`${id}: accept`);
        },
      );
    await a.requestFunc(offer('a'));
    // livekit-server's assignment of a has not come yet; an offer arriving now must not take the same slot
    await a.requestFunc(offer('b'));
    expect(answers).toEqual(['a: accept', 'b: reject']);
    w.activeJobs.push({ job: { id: 'a' } });
    await a.requestFunc(offer('c'));
    expect(answers.at(-1)).toBe('c: reject');
    w.activeJobs.pop();
    await a.requestFunc(offer('d'));
    expect(answers.at(-1)).toBe('d: accept');
  });

  it('frees a slot when its job ends, and when an accepted job never starts', async () => {
    let now = 0;
    const { a } = admission({ maxJobs: 1, now: () => now });
    const w = worker();
    await a.loadFunc(w);
    await a.requestFunc(request('a').req);
    expect(a.jobs).toBe(1); // reserved: answered, not yet assigned nor running
    w.activeJobs.push({ job: { id: 'a' } });
    expect(a.jobs).toBe(1); // running
    w.activeJobs.pop(); // the job ended: seen at once, without waiting for a load report
    expect(a.jobs).toBe(0);

    const lost = request('b');
    void a.requestFunc(lost.req);
    const next = request('c');
    await a.requestFunc(next.req);
    expect(next.answer).toBe('reject');
    now += 180_001; // the assignment of b never came
    const later = request('d');
    void a.requestFunc(later.req);
    expect(later.answer).toBe('accept');
  });

  it('frees the slot of a job whose assignment never came after assignmentMs, once it follows launches', async () => {
    let now = 0;
    const { a } = admission({ maxJobs: 1, now: () => now });
    let launched: ((jobId: string, launch: Promise<void>) => void) | undefined;
    expect(
      await a.followLaunches(async (listener) => {
        launched = listener;
        return true;
      }),
    ).toBe(true);
    const w = worker();
    await a.loadFunc(w);

    // a: accepted, never assigned (no launch): its slot is held 10 s, not 3 min
    await a.requestFunc(request('a').req);
    now += 9_000;
    expect(a.jobs).toBe(1);
    now += 1_001;
    expect(a.jobs).toBe(0);

    // b: assigned after 2 s, its process slow to take it: held past assignmentMs while the launch is under way
    await a.requestFunc(request('b').req);
    now += 2_000;
    let started!: () => void;
    launched?.('b', new Promise<void>((resolve) => (started = resolve)));
    now += 60_000;
    const meanwhile = request('c');
    await a.requestFunc(meanwhile.req);
    expect(meanwhile.answer).toBe('reject');
    // the launch is done: the job runs and counts as running, the reservation is gone
    w.activeJobs.push({ job: { id: 'b' } });
    started();
    await Promise.resolve();
    expect(a.jobs).toBe(1);
    w.activeJobs.pop();
    expect(a.jobs).toBe(0);

    // d: its launch failed (no process took it): the slot is free at once
    await a.requestFunc(request('d').req);
    const failed = Promise.reject(new Error('no process'));
    launched?.('d', failed);
    await failed.catch(() => undefined);
    expect(a.jobs).toBe(0);
  });

  it('keeps the 3-min bound for unassigned jobs when launches cannot be followed', async () => {
    let now = 0;
    const { a } = admission({ maxJobs: 1, now: () => now });
    expect(await a.followLaunches(async () => false)).toBe(false);
    await a.loadFunc(worker());
    await a.requestFunc(request('a').req);
    now += 60_000;
    expect(a.jobs).toBe(1);
    now += 120_001;
    expect(a.jobs).toBe(0);
  });

  it('declines on CPU and on analysis lag with slots free, and reports the load', async () => {
    const { a, m } = admission({ maxJobs: 4 });
    m.cpu = 1.7; // of 2 × 0.8 cores
    expect(await a.loadFunc(worker())).toBeCloseTo(0.7);
    const hot = request('a');
    await a.requestFunc(hot.req);
    expect(hot.answer).toBe('reject');

    m.cpu = 0.4;
    m.lags = [{ jobId: 'x', lagMs: 2500 }];
    expect(await a.loadFunc(worker('x'))).toBeCloseTo(0.7);
    const late = request('b');
    await a.requestFunc(late.req);
    expect(late.answer).toBe('reject');

    m.lags = [{ jobId: 'x', lagMs: 50 }];
    expect(await a.loadFunc(worker('x'))).toBeCloseTo(0.7 * 0.25);
    const ok = request('c');
    void a.requestFunc(ok.req);
    expect(ok.answer).toBe('accept');
  });

  it('counts the worst lag of the jobs it runs: a job whose process is gone stops counting at once', async () => {
    const { a, m } = admission({ maxJobs: 4 });
    m.lags = [
      { jobId: 'x', lagMs: 300 },
      { jobId: 'y', lagMs: 800 },
    ];
    const w = worker('x', 'y');
    await a.loadFunc(w);
    expect(a.state().lagMs).toBe(800);
    // y's process exited: the framework no longer lists it, though its last report is still fresh
    w.activeJobs.pop();
    expect(a.state().lagMs).toBe(300);
    // a report of a job this worker does not run (another worker's, or one long gone) never counts
    m.lags = [{ jobId: 'z', lagMs: 5000 }];
    expect(a.state().lagMs).toBe(0);
  });

  it('tells listeners why it declined', async () => {
    const { a, m } = admission({ maxJobs: 1 });
    const seen: string[][] = [];
    a.onDecision((d) => seen.push(d.refusedBy));
    m.lags = [{ jobId: 'x', lagMs: 5000 }];
    await a.loadFunc(worker('x'));
    await a.requestFunc(request('a').req);
    expect(seen).toEqual([['slots', 'lag']]);
  });

  it('gives the slot back when accepting fails', async () => {
    const { a } = admission({ maxJobs: 1 });
    const r = request('a');
    r.req.accept = async () => {
      throw new Error('connection lost');
    };
    await expect(a.requestFunc(r.req)).rejects.toThrow('connection lost');
    expect(a.jobs).toBe(0);
  });
});
