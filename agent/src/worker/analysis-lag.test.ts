import { describe, expect, it } from 'vitest';
import type { Analyser, AudioSample, SignalDraft } from '../analysers/analyser.js';
import { AnalyserRunner } from '../analysers/runner.js';
import { AnalysisLag } from './analysis-lag.js';

describe('AnalysisLag', () => {
  it('is the 90th percentile of sample ages over the window', () => {
    let now = 10_000;
    const lag = new AnalysisLag({ eventLoop: false, now: () => now });
    for (let i = 0; i < 10; i++) lag.record(now - (i === 9 ? 2000 : 10));
    expect(lag.lagMs()).toBe(2000);
    for (let i = 0; i < 30; i++) lag.record(now - 10);
    expect(lag.lagMs()).toBe(10);
    now += 6000; // all out of the window
    expect(lag.lagMs()).toBe(0);
  });

  it('counts a lag once its last three readings all show it', () => {
    let now = 0;
    // a window shorter than a second: each reading sees only the samples taken since the previous one
    const lag = new AnalysisLag({ eventLoop: false, readingMs: 0, windowMs: 900, now: () => now });
    expect(lag.sustainedMs()).toBe(0); // no reading yet
    /** One reading a second, the analysers having taken samples `ageMs` old meanwhile. */
    const second = (ageMs: number) => {
      now += 1000;
      for (let i = 0; i < 10; i++) lag.record(now - ageMs);
      return lag.read();
    };
    expect(second(3000)).toBe(3000); // one slow second
    expect(lag.sustainedMs()).toBe(3000);
    second(20);
    second(2500);
    expect(lag.sustainedMs()).toBe(20);
    second(2600); // then three slow seconds in a row
    expect(lag.sustainedMs()).toBe(20);
    second(2700);
    expect(lag.sustainedMs()).toBe(2500);
  });

  it('takes a reading every readingMs by itself until closed', async () => {
    const lag = new AnalysisLag({ eventLoop: false, readingMs: 10 });
    lag.record(Date.now() - 400);
    const deadline = Date.now() + 10_000;
    while (lag.sustainedMs() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(lag.sustainedMs()).toBeGreaterThanOrEqual(400);
    lag.close();
  });

  it('measures the samples an analyser takes, leaving what it does unchanged', async () => {
    let now = 1000;
    const lag = new AnalysisLag({ eventLoop: false, now: () => now });
    const seen: number[] = [];
    const analyser: Analyser<'audio'> = {
      name: 'probe',
      media: 'audio',
      emits: ['audio-level'],
      async *analyse(samples) {
        for await (const s of samples) {
          seen.push(s.receivedAt);
          now += 100; // the analyser takes 100 ms per sample: the queue falls behind
        }
        yield* [] as SignalDraft[];
      },
    };
    const wrapped = lag.wrap(() => analyser)();
    expect([wrapped.name, wrapped.media, wrapped.emits]).toEqual(['probe', 'audio', ['audio-level']]);
    // ten samples that all arrived at t=1000
    async function* samples(): AsyncIterable<AudioSample> {
      for (let i = 0; i < 10; i++) yield { receivedAt: 1000 } as AudioSample;
    }
    const ctx = {
      sessionId: 's',
      track: { participantIdentity: 'c', trackSid: 't', media: 'audio' as const },
      signal: new AbortController().signal,
      now: () => now,
    };
    for await (const _ of wrapped.analyse(samples(), ctx)) {
      // no signals
    }
    expect(seen).toHaveLength(10);
    // the last sample waited 900 ms; the 90th percentile of 0…900 is 900
    expect(lag.lagMs()).toBe(900);
  });

  it('sees an analyser falling behind its queue inside the session runner', async () => {
    let now = 0;
    const lag = new AnalysisLag({ eventLoop: false, now: () => now });
    let taken = 0;
    const slow: Analyser<'audio'> = {
      name: 'slow',
      media: 'audio',
      emits: [],
      // biome-ignore lint/correctness/useYield: it only consumes
      async *analyse(samples) {
        for await (const _ of samples) {
          taken++;
          now += 50; // 50 ms of work per 10 ms chunk: five times slower than real time
          await Promise.resolve();
        }
      },
    };
    const runner = new AnalyserRunner({
      sessionId: 's',
      factories: lag.wrapAll([() => slow]),
      onSignal: () => {},
    });
    const run = runner.start({ participantIdentity: 'c', trackSid: 't', media: 'audio' });
    // one second of audio arrives in real time while the analyser works through it
    for (let i = 0; i < 100; i++) {
      run.push({ receivedAt: i * 10 } as AudioSample);
      now = Math.max(now, i * 10);
      await Promise.resolve();
    }
    await run.close();
    expect(taken).toBe(100);
    // the last chunks waited ~4 s: it fell 40 ms further behind with each one
    expect(lag.lagMs()).toBeGreaterThan(3000);
  });

  it('counts a blocked event loop as lag', async () => {
    const lag = new AnalysisLag({ readingMs: 0 });
    await new Promise((r) => setTimeout(r, 100)); // the monitor's first ticks
    const end = Date.now() + 300;
    while (Date.now() < end) {
      // block the loop
    }
    await new Promise((r) => setTimeout(r, 50));
    lag.record(Date.now()); // an analyser took a fresh sample: the delay is the analysis's
    expect(lag.lagMs()).toBeGreaterThan(100);
    lag.close();
  });

  it('is 0 without samples: a job without media has no analysis to fall behind', async () => {
    const lag = new AnalysisLag({ readingMs: 0 });
    await new Promise((r) => setTimeout(r, 100));
    const end = Date.now() + 300;
    while (Date.now() < end) {
      // block the loop
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(lag.lagMs()).toBe(0);
    lag.close();
  });
});
