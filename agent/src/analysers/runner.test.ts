import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import type { Analyser, AudioSample, SignalDraft } from './analyser.js';
import { AnalyserRunner } from './runner.js';

class ThrowingAnalyser implements Analyser<'audio'> {
  readonly name = 'throws';
  readonly media = 'audio' as const;
  readonly emits = [];
  // biome-ignore lint/correctness/useYield: it fails before it has anything to say, by design
  async *analyse(samples: AsyncIterable<AudioSample>): AsyncIterable<SignalDraft> {
    let n = 0;
    for await (const _ of samples) {
      if (++n === 3) throw new Error('boom');
    }
  }
}

/** Reports every `every` chunks, as a windowed audio analyser does. */
class CountingAnalyser implements Analyser<'audio'> {
  readonly name = 'audio-level';
  readonly media = 'audio' as const;
  readonly emits = ['audio-level'] as const;
  constructor(readonly every = 200) {}

  async *analyse(samples: AsyncIterable<AudioSample>): AsyncIterable<SignalDraft> {
    let n = 0;
    for await (const { receivedAt } of samples) {
      if (++n % this.every > 0) continue;
      yield {
        kind: 'audio-level',
        range: { start: receivedAt, end: receivedAt },
        values: {
          rmsDbfs: -20,
          peakDbfs: -10,
          windowSeconds: this.every / 100,
          totalSeconds: n / 100,
          sampleRate: 16000,
          channels: 1,
          firstSampleAt: 0,
        },
        confidence: 1,
        summary: `${n} chunks`,
      };
    }
  }
}

const chunk = (at: number): AudioSample => ({
  frame: new AudioFrame(new Int16Array(160).fill(1000), 16000, 1, 160),
  receivedAt: at,
});

describe('AnalyserRunner', () => {
  it('isolates a failing analyser while the others keep running', async () => {
    const got: string[] = [];
    const runner = new AnalyserRunner({
      sessionId: 's1',
      factories: [() => new ThrowingAnalyser(), () => new CountingAnalyser(10)],
      onSignal: (d, a) => got.push(`${a.name}:${d.kind}`),
    });
    expect(runner.stats().map((s) => s.status)).toEqual(['waiting', 'waiting']);
    const run = runner.start({ participantIdentity: 'c', trackSid: 'TR_1', media: 'audio' });
    for (let i = 0; i < 50; i++) {
      run.push(chunk(i * 10));
      await new Promise((r) => setImmediate(r));
    }
    await run.close();
    const [failed, level] = runner.stats();
    expect(failed).toMatchObject({ name: 'throws', status: 'failed', error: 'boom' });
    expect(level).toMatchObject({ name: 'audio-level', status: 'stopped', framesIn: 50 });
    expect(got.filter((g) => g === 'audio-level:audio-level')).toHaveLength(5);
    expect(level?.signalsOut).toBe(5);

    // A later track still runs the healthy analyser but not the failed one.
    const again = runner.start({ participantIdentity: 'c', trackSid: 'TR_2', media: 'audio' });
    again.push(chunk(0));
    await again.close();
    expect(runner.stats()[0]?.framesIn).toBe(3);
    expect(runner.stats()[1]?.framesIn).toBe(51);
  });

  it('does not start analysers of the other media kind', async () => {
    const runner = new AnalyserRunner({
      sessionId: 's1',
      factories: [() => new CountingAnalyser()],
      onSignal: () => {},
    });
    const run = runner.start({ participantIdentity: 'c', trackSid: 'TR_v', media: 'video' });
    await run.close();
    expect(runner.stats()[0]?.status).toBe('waiting');
  });

  it("drops and counts signals outside the catalogue or the analyser's declared kinds, never handing them on", async () => {
    class Sloppy implements Analyser<'audio'> {
      readonly name = 'sloppy';
      readonly media = 'audio' as const;
      readonly emits = ['pitch'] as const;
      async *analyse(samples: AsyncIterable<AudioSample>): AsyncIterable<SignalDraft> {
        for await (const { receivedAt: at } of samples) {
          const range = { start: at, end: at };
          const pitch = {
            medianHz: 120,
            semitoneSpread: 3,
            voicedSeconds: 1,
            windowSeconds: 2,
            monotone: false,
          };
          yield { kind: 'pitch', range, values: pitch, confidence: 1, summary: 'ok' };
          // not declared by this analyser
          yield {
            kind: 'audio-level',
            range,
            values: { ...pitch } as never,
            confidence: 1,
            summary: 'undeclared',
          };
          // a value of the wrong type, and an unknown kind
          yield {
            kind: 'pitch',
            range,
            values: { ...pitch, monotone: 'no' } as never,
            confidence: 1,
            summary: 'bad',
          };
          yield { kind: 'mood', range, values: {}, confidence: 1, summary: 'unknown' } as never;
        }
      }
    }
    const got: string[] = [];
    const runner = new AnalyserRunner({
      sessionId: 's1',
      factories: [() => new Sloppy()],
      onSignal: (d) => got.push(d.summary),
    });
    const run = runner.start({ participantIdentity: 'c', trackSid: 'TR_s', media: 'audio' });
    run.push(chunk(0));
    run.push(chunk(10));
    await run.close();
    expect(got).toEqual(['ok', 'ok']);
    expect(runner.stats()[0]).toMatchObject({ signalsOut: 2, signalsInvalid: 6 });
  });
});
