import { describe, expect, it } from 'vitest';
import { TrackClock } from './track-clock.js';

const START = 1_000_000;
const largest = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), Number.NEGATIVE_INFINITY);
const smallest = (xs: number[]) => xs.reduce((m, x) => Math.min(m, x), Number.POSITIVE_INFINITY);
/** A seeded pseudo-random sequence in (0, 1) (Lehmer / Park–Miller), so every run reads the same delays. */
function lehmer(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 16807) % 2147483647;
    return x / 2147483647;
  };
}
/** Within 1 ms (the drift allowance moves the estimate by fractions of a ms while a loss is confirmed). */
const near = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThan(1);

/** Feeds 10 ms chunks read at `readAt(c, availableAt)` (chunk c, 1-based, exists from START + 10 c). */
function feed(
  clock: TrackClock,
  chunks: number,
  readAt: (c: number, availableAt: number) => number,
  msPerChunk = 10,
) {
  const origins: number[] = [];
  for (let c = 1; c <= chunks; c++) origins.push(clock.observe(readAt(c, START + c * 10), c * msPerChunk));
  return origins;
}

describe('TrackClock', () => {
  it('keeps the first estimate when every chunk is read as soon as it exists', () => {
    const clock = new TrackClock();
    const origins = feed(clock, 500, (_, at) => at);
    expect(new Set(origins)).toEqual(new Set([START]));
  });

  it('falls to the true start once a late-read backlog has been read', () => {
    const clock = new TrackClock();
    // Busy for the first 3 s: the first 300 chunks are read together at START + 3000, the rest as they come.
    const origins = feed(clock, 600, (_, at) => Math.max(at, START + 3000));
    expect(origins[0]).toBe(START + 2990);
    expect(origins[150]).toBe(START + 1490);
    expect(origins[299]).toBe(START);
    expect(origins.slice(299).every((o) => o === START)).toBe(true);
  });

  it('takes chunks handed over in batches at the last of each batch', () => {
    const clock = new TrackClock();
    // Five chunks at a time every 50 ms, all read when the batch's last one exists.
    const origins = feed(clock, 500, (c) => START + Math.ceil(c / 5) * 50);
    expect(origins.slice(0, 5)).toEqual([START + 40, START + 30, START + 20, START + 10, START]);
    // In between, the estimate rises by the drift allowance only (0.002 ms per chunk) and falls back.
    expect(largest(origins.slice(4)) - START).toBeLessThan(0.01);
    expect(smallest(origins.slice(4))).toBe(START);
    expect(clock.settled).toBe(true);
  });

  it('settles once the estimate stops falling, not while a backlog is read', () => {
    const clock = new TrackClock({ settleMs: 250 });
    const settledAt: number[] = [];
    for (let c = 1; c <= 400; c++) {
      clock.observe(Math.max(START + c * 10, START + 2000), c * 10);
      if (clock.settled) settledAt.push(c);
    }
    // Chunks 1–200 are the backlog (read at START + 2000); the estimate is stable from chunk 200 on.
    expect(settledAt[0]).toBe(225);
    // Read as they come: settled 250 ms after the first chunk.
    const prompt = new TrackClock({ settleMs: 250 });
    feed(prompt, 25, (_, at) => at);
    expect(prompt.settled).toBe(false);
    feed(prompt, 1, () => START + 260);
    expect(prompt.settled).toBe(true);
    // A backlog read more slowly than it grows shrinks for ever: settled at maxSettleMs anyway.
    const capped = new TrackClock({ maxSettleMs: 100 });
    const slowly = feed(capped, 100, (c) => START + 5000 + c);
    expect(capped.settled).toBe(false);
    expect((slowly.at(-1) as number) - START).toBe(5000 + 100 - 1000);
    feed(capped, 1, () => START + 5101);
    expect(capped.settled).toBe(true);
  });

  it('is within the jitter floor of the true start under random read delays, for an hour', () => {
    const clock = new TrackClock();
    const random = lehmer(7);
    // Delays of 0–40 ms, one chunk in ten read within 2 ms; now and then a 1.5 s stall read in a burst.
    let stallUntil = 0;
    const origins = feed(clock, 360_000, (c, at) => {
      if (c % 30_000 === 0) stallUntil = at + 1500;
      const delay = c % 10 === 0 ? random() * 2 : random() * 40;
      return Math.max(at + delay, stallUntil);
    });
    const late = origins.slice(100).map((o) => o - START);
    expect(smallest(late)).toBeGreaterThanOrEqual(0);
    expect(largest(late)).toBeLessThan(3);
  });

  it('follows an audio clock running slow by up to driftPpm instead of falling further behind', () => {
    // Audio time runs 100 ppm slow against the wall clock: an hour of audio takes 360 ms longer.
    const slow = (clock: TrackClock) =>
      feed(clock, 360_000, (c) => START + c * 10 * (1 + 100e-6) + (c % 7), 10).map(
        (o, i) => START + (i + 1) * 10 * (1 + 100e-6) - (o + (i + 1) * 10),
      );
    // Error of `origin + audio ms` against the true wall time of the chunk's end, over the hour.
    const followed = slow(new TrackClock({ driftPpm: 200 }));
    const plainMinimum = slow(new TrackClock({ driftPpm: 0, lostConfirmMs: 0 }));
    expect(largest(followed.map(Math.abs))).toBeLessThan(7);
    expect(plainMinimum.at(-1)).toBeGreaterThan(350);
  });

  it('follows an audio clock running fast at once', () => {
    const clock = new TrackClock();
    const origins = feed(clock, 360_000, (c) => START + c * 10 * (1 - 100e-6));
    const errors = origins.map((o, i) => START + (i + 1) * 10 * (1 - 100e-6) - (o + (i + 1) * 10));
    expect(largest(errors.map(Math.abs))).toBeLessThan(1e-6);
  });

  it('takes audio as lost once every read for lostConfirmMs came lostMinMs late or more', () => {
    const clock = new TrackClock();
    // The process is not scheduled for 5 s after the first minute, and the audio of those 5 s never arrives.
    const origins = feed(clock, 12_000, (c, at) => at + (c > 6000 ? 5000 : 0));
    // Reads after the gap come 5 s "late" until 2 s of them agree (chunk 6000 + 200), then the estimate moves up.
    near(origins[6000 + 198] as number, START);
    near(origins[6000 + 200] as number, START + 5000);
    near(origins.at(-1) as number, START + 5000);
    near(clock.lostMs, 5000);
    // Audio before the gap keeps its dates (voice activity found late about it is dated right), audio after has
    // the new origin, from the first late chunk on.
    near(clock.wallAt(59_990), START + 59_990);
    near(clock.wallAt(60_000), START + 65_000);
    near(clock.wallAt(100_000), START + 105_000);
    near(clock.audioAt(START + 30_000), 30_000);
    near(clock.audioAt(START + 105_000), 100_000);
    // A wall time inside the gap maps to where the audio after it begins.
    near(clock.audioAt(START + 62_000), 60_000);
    // Off: absorbed at driftPpm only.
    const off = new TrackClock({ lostConfirmMs: 0 });
    expect(feed(off, 12_000, (c, at) => at + (c > 6000 ? 5000 : 0)).at(-1)).toBeLessThan(START + 20);
  });

  it('follows several losses and dates each stretch by its own origin', () => {
    const clock = new TrackClock();
    // 1 s lost after 30 s, 3 s more after 60 s.
    const lost = (c: number) => (c > 6000 ? 4000 : c > 3000 ? 1000 : 0);
    feed(clock, 9000, (c, at) => at + lost(c));
    near(clock.origin, START + 4000);
    near(clock.lostMs, 4000);
    for (const ms of [10, 29_990, 30_000, 45_000, 59_990, 60_000, 89_990])
      near(clock.wallAt(ms), START + ms + lost(ms / 10 + 1));
    for (const ms of [10, 29_990, 30_000, 45_000, 60_000, 89_990])
      expect(clock.audioAt(clock.wallAt(ms))).toBe(ms);
  });

  it('moves up for a read delay that outlasts lostConfirmMs, and back down when the backlog is read', () => {
    const clock = new TrackClock();
    // After the first minute nothing is read for 3 s; then the chunks are read 3 s late for 4 s (a backlog read
    // no faster than it grows), then all at once, then promptly again. No audio is lost.
    const origins = feed(clock, 9000, (c, at) => {
      if (c <= 6000) return at;
      if (c <= 6400) return at + 3000;
      return Math.max(at, START + 6400 * 10 + 3000);
    });
    const bounds = Array.from({ length: 9000 }, (_, i) => {
      const c = i + 1;
      const at = START + c * 10;
      const read = c <= 6000 ? at : c <= 6400 ? at + 3000 : Math.max(at, START + 67_000);
      return read - c * 10;
    });
    // Never dated earlier than the audio could have been read.
    expect(origins.every((o, i) => o <= (bounds[i] as number))).toBe(true);
    near(largest(origins) - START, 3000);
    expect(origins.at(-1)).toBe(START);
    near(clock.lostMs, 0);
  });

  it('does not take a backlog read only a little faster than real time as lost audio', () => {
    const clock = new TrackClock();
    // After the first minute nothing is read for 3 s; then the backlog is read at 1.1× real time (30 s to catch up).
    // Every read in between comes 200 ms late or more, for far longer than lostConfirmMs; nothing is lost.
    const resume = START + 63_000;
    const readAt = (c: number, at: number) =>
      c <= 6000 ? at : Math.max(at, resume + ((c - 6000) * 10) / 1.1);
    const origins = feed(clock, 12_000, readAt);
    const bounds = Array.from(
      { length: 12_000 },
      (_, i) => readAt(i + 1, START + (i + 1) * 10) - (i + 1) * 10,
    );
    expect(origins.every((o, i) => o <= (bounds[i] as number))).toBe(true);
    // (risen by the drift allowance only: 200 ppm of the 33 s read late)
    expect(largest(origins) - START).toBeLessThan(7);
    expect(clock.takeLosses()).toEqual([]);
    near(clock.lostMs, 0);
  });

  it('does not take a backlog that grows as lost audio, and decides within lostMaxConfirmMs each time', () => {
    const clock = new TrackClock();
    // After the first minute the reader keeps only 0.8× real time for 10 s (falling 2 s behind), then reads the
    // backlog at once.
    const slowFrom = START + 60_000;
    const readAt = (c: number, at: number) => {
      if (c <= 6000) return at;
      const slow = slowFrom + ((c - 6000) * 10) / 0.8;
      return slow <= slowFrom + 10_000 ? slow : Math.max(at, slowFrom + 10_000);
    };
    let confirmingSince = Number.NaN;
    let longest = 0;
    for (let c = 1; c <= 9000; c++) {
      const read = readAt(c, START + c * 10);
      clock.observe(read, c * 10);
      if (!clock.confirming) confirmingSince = Number.NaN;
      else {
        if (Number.isNaN(confirmingSince)) confirmingSince = read;
        longest = Math.max(longest, read - confirmingSince);
      }
    }
    expect(clock.takeLosses()).toEqual([]);
    near(clock.lostMs, 0);
    near(clock.origin, START);
    // the front end holds chunks while the clock decides: never longer than lostMaxConfirmMs at a time
    expect(longest).toBeGreaterThan(2000);
    expect(longest).toBeLessThanOrEqual(4000);
  });

  it('takes audio as lost when the reads after the gap come with jitter', () => {
    const clock = new TrackClock();
    const random = lehmer(7);
    // 5 s of audio lost after the first minute; every later read comes 0–150 ms later than it could.
    feed(clock, 12_000, (c, at) => at + (c > 6000 ? 5000 + random() * 150 : 0));
    const [loss, ...more] = clock.takeLosses();
    expect(more).toEqual([]);
    expect(loss?.atMs).toBe(60_000);
    // the least lateness of the reads: 5 s and the smallest of their jitter, less the drift allowance already
    // followed (the allowance the later reads take back between them is not a delay that ended)
    expect(Math.abs(clock.lostMs - 5000)).toBeLessThan(1);
  });

  it('dates a loss at the gap when the reads after it take longer than lostMaxConfirmMs to come steadily late', () => {
    const clock = new TrackClock();
    const random = lehmer(5);
    // 5 s of audio lost after the first minute; for the next 7 s a backlog is read as well (each second 200 ms less
    // of it: never steady for two halves), with 0–30 ms of jitter throughout.
    const lateness = (c: number) => {
      if (c <= 6000) return 0;
      const second = Math.floor((c - 6000) / 100);
      return 5000 + Math.max(0, 1400 - 200 * second) + random() * 30;
    };
    const origins = feed(clock, 12_000, (c, at) => at + lateness(c));
    const [loss, ...more] = clock.takeLosses();
    expect(more).toEqual([]);
    // at the gap, not where the decision that held began (≥ 4 s later); the loss is the least lateness since it
    // (within 2 ms: the drift allowance followed while the reads were late)
    expect(loss?.atMs).toBe(60_000);
    expect(Math.abs(clock.lostMs - 5000)).toBeLessThan(2);
    expect(Math.abs(clock.wallAt(60_000) - (START + 65_000))).toBeLessThan(2);
    expect(Math.abs(clock.wallAt(64_000) - (START + 69_000))).toBeLessThan(2);
    expect(Math.abs(clock.wallAt(59_990) - (START + 59_990))).toBeLessThan(2);
    expect(Math.abs((origins.at(-1) as number) - (START + 5000))).toBeLessThan(2);
  });

  it('dates a loss after the last read that came well before it, within one run of late reads', () => {
    const clock = new TrackClock();
    // After the first minute the reads come 300–400 ms late for 3 s (never steady); then 5 s of audio is lost and
    // they come 5.3 s late for good. The loss went missing after the 300–400 ms reads, not where they began.
    const lateness = (c: number) =>
      c <= 6000 ? 0 : c <= 6300 ? 300 + 100 * (Math.floor((c - 6000) / 100) % 2) : 5300;
    feed(clock, 9000, (c, at) => at + lateness(c));
    const [loss, ...more] = clock.takeLosses();
    expect(more).toEqual([]);
    expect(loss?.atMs).toBe(63_000);
    // (within 2 ms: the drift allowance followed while the reads were late)
    expect(Math.abs(clock.lostMs - 5300)).toBeLessThan(2);
    expect(Math.abs(clock.wallAt(63_000) - (START + 68_300))).toBeLessThan(2);
    expect(Math.abs(clock.wallAt(62_000) - (START + 62_000))).toBeLessThan(2);
  });

  it('does not move up for read delays shorter than lostMinMs, however long they last', () => {
    const clock = new TrackClock();
    const random = lehmer(11);
    // After the first 10 s every chunk is read 20–190 ms late, for ten minutes.
    const origins = feed(clock, 60_000, (c, at) => at + (c > 1000 ? 20 + random() * 170 : 0));
    // Persistent small delays are absorbed at driftPpm (up to the least of them), never moved up by a loss.
    expect(largest(origins) - START).toBeLessThan(25);
    near(clock.lostMs, 0);
  });

  it('absorbs audio lost in amounts below lostMinMs at driftPpm', () => {
    const clock = new TrackClock({ driftPpm: 200 });
    // 100 ms of audio never arrives after the first minute: later chunks are read 100 ms "late" for good.
    const origins = feed(clock, 120_000, (c, at) => at + (c > 6000 ? 100 : 0));
    expect(origins[6100]).toBeCloseTo(START + 0.2 * 1.01, 1);
    // 100 ms at 0.2 ms per second of audio: absorbed after 500 s.
    expect(origins[6000 + 49_000]).toBeLessThan(START + 100);
    expect(origins[6000 + 51_000]).toBe(START + 100);
  });
});
