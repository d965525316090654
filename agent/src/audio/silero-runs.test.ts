import { VADEventType } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { concat, espeak, librivoxClips, silence } from '../../../test/fixtures/audio.js';
import { type Pcm16, readWav } from '../../../test/fixtures/wav.js';
import { SileroVad, type VoiceActivityEvent } from './silero.js';
import { SILERO_INPUT, SILERO_STATE, SileroRuns, type SileroSession } from './silero-runs.js';

/** A session that records each run's batch size and answers row b with score b and state + 1. */
function recordingSession(fail?: Error): SileroSession & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    run: (async (feeds: Record<string, ort.Tensor>) => {
      const n = (feeds.input as ort.Tensor).dims[0] as number;
      batches.push(n);
      if (fail) throw fail;
      const state = (feeds.state as ort.Tensor).data as Float32Array;
      const next = state.map((v) => v + 1);
      return {
        output: new ort.Tensor(
          'float32',
          Float32Array.from({ length: n }, (_, b) => b),
          [n, 1],
        ),
        stateN: new ort.Tensor('float32', next, [2, n, SILERO_STATE / 2]),
      };
    }) as SileroSession['run'],
  };
}

const window = () => ({ input: new Float32Array(SILERO_INPUT), state: new Float32Array(SILERO_STATE) });

describe('SileroRuns', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the windows of all open streams together, and each stream gets its own row and state', async () => {
    const session = recordingSession();
    const runs = new SileroRuns(session);
    runs.open();
    runs.open();
    runs.open();
    const [a, b, c] = [window(), window(), window()];
    b.state.fill(5);
    const pa = runs.score(a.input, a.state, false);
    const pb = runs.score(b.input, b.state, false);
    await Promise.resolve();
    expect(session.batches).toEqual([]); // the third open stream has not given its window yet
    const pc = runs.score(c.input, c.state, false);
    expect(await Promise.all([pa, pb, pc])).toEqual([0, 1, 2]);
    expect(session.batches).toEqual([3]);
    expect([a.state[0], a.state[255], b.state[0], b.state[255], c.state[128]]).toEqual([1, 1, 6, 6, 1]);
    expect(runs.stats).toEqual({ runs: 1, windows: 3 });
  });

  it('waits at most gatherMs for a stream that gives nothing, and not at all for a stream behind', async () => {
    vi.useFakeTimers();
    const session = recordingSession();
    const runs = new SileroRuns(session, { gatherMs: 32 });
    runs.open();
    const silent = runs.open();
    const a = window();
    const first = runs.score(a.input, a.state, false);
    await vi.advanceTimersByTimeAsync(31);
    expect(session.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await first).toBe(0);
    expect(session.batches).toEqual([1]);
    // a stream with audio queued behind its window does not wait
    const behind = runs.score(a.input, a.state, true);
    await vi.advanceTimersByTimeAsync(0);
    expect(await behind).toBe(0);
    expect(session.batches).toEqual([1, 1]);
    // a stream that closes no longer holds the others back
    const again = runs.score(a.input, a.state, false);
    silent();
    silent(); // closing twice counts once
    await vi.advanceTimersByTimeAsync(0);
    expect(await again).toBe(0);
    expect(session.batches).toEqual([1, 1, 1]);
  });

  it('a window whose wait ends during another run goes in the next run at once, not gatherMs later', async () => {
    vi.useFakeTimers();
    const inner = recordingSession();
    // each run takes 40 ms, longer than a window may wait
    const session = {
      batches: inner.batches,
      run: (async (feeds: Record<string, ort.Tensor>) => {
        const out = inner.run(feeds); // recorded as it starts
        await new Promise((r) => setTimeout(r, 40));
        return out;
      }) as SileroSession['run'],
    };
    const runs = new SileroRuns(session, { gatherMs: 32 });
    for (let i = 0; i < 3; i++) runs.open(); // the third stream gives nothing
    const [a, b] = [window(), window()];
    void runs.score(a.input, a.state, true); // behind: runs at once, until t = 40
    await vi.advanceTimersByTimeAsync(1);
    let scored = false;
    void runs.score(b.input, b.state, false).then(() => {
      scored = true;
    });
    await vi.advanceTimersByTimeAsync(39); // t = 40: the first run ends; b has waited 39 ms
    expect(session.batches).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1); // t = 41: b's run has started (it used to wait until t = 72)
    expect(session.batches).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(40); // b's run: 41 → 81
    expect(scored).toBe(true);
  });

  it('never overlaps runs, caps a run at maxBatch, and fails every window of a failed run', async () => {
    const session = recordingSession();
    const runs = new SileroRuns(session, { maxBatch: 2 });
    for (let i = 0; i < 5; i++) runs.open();
    const ws = Array.from({ length: 5 }, window);
    const scores = await Promise.all(ws.map((w) => runs.score(w.input, w.state, true)));
    expect(session.batches).toEqual([1, 2, 2]); // the first ran alone (behind); the rest waited for it
    expect(scores).toEqual([0, 0, 1, 0, 1]);

    const failing = new SileroRuns(recordingSession(new Error('model gone')));
    failing.open();
    failing.open();
    const [x, y] = [window(), window()];
    const results = await Promise.allSettled([
      failing.score(x.input, x.state, false),
      failing.score(y.input, y.state, false),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(x.state.every((v) => v === 0)).toBe(true);
  });

  it('live streams on the real model: batched runs, and the events of each stream as if it ran alone', async () => {
    const [c1, c2, c3] = librivoxClips();
    if (!c1 || !c2 || !c3) throw new Error('missing speech fixtures');
    const tracks: Pcm16[] = [
      concat(silence(0.4), readWav(c1.path), silence(0.8)),
      concat(silence(1.1), readWav(c2.path)),
      concat(espeak('We shard by customer, and each shard keeps its own queue.'), silence(1.5)),
      concat(silence(2), readWav(c3.path)),
    ];
    const vad = await SileroVad.load();
    const alone: VoiceActivityEvent[][] = [];
    for (const pcm of tracks) alone.push(await collect(vad, [pcm], 1 << 30).then((e) => e[0] ?? []));
    const before = vad.runStats;
    // live: every stream gets one 10 ms frame per tick, so windows complete at different ticks per stream
    const together = await collect(vad, tracks, 160);
    const after = vad.runStats;
    const windows = after.windows - before.windows;
    expect(windows).toBe(tracks.reduce((n, t) => n + Math.floor(t.samples.length / 512), 0));
    expect(after.runs - before.runs).toBeLessThan(windows / 2);
    expect(together).toEqual(alone);
  });
});

/**
 * Every event of one stream per track, the tracks pushed side by side `per` samples at a time with a turn of the
 * event loop between pushes (as live audio comes). Each track ends at its last whole window.
 */
async function collect(vad: SileroVad, tracks: Pcm16[], per: number): Promise<VoiceActivityEvent[][]> {
  const streams = tracks.map(() => vad.stream());
  const ends = tracks.map((t) => Math.floor(t.samples.length / 512) * 512);
  const out = tracks.map(() => [] as VoiceActivityEvent[]);
  const reading = streams.map(async (stream, k) => {
    for await (const e of stream) {
      const { type, samplesIndex, speechDuration, silenceDuration, probability, speaking } = e;
      out[k]?.push({ type, samplesIndex, speechDuration, silenceDuration, probability, speaking });
      if (type === VADEventType.INFERENCE_DONE && samplesIndex >= (ends[k] as number)) break;
    }
    stream.close(); // scored to its end: the others no longer wait for it
  });
  for (let i = 0; i < Math.max(...ends); i += per) {
    tracks.forEach((t, k) => {
      const end = Math.min(i + per, ends[k] as number);
      if (i >= end) return;
      const data = t.samples.slice(i, end);
      streams[k]?.pushFrame(new AudioFrame(data, 16000, 1, data.length));
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(reading);
  return out;
}
