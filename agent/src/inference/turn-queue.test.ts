import { describe, expect, it } from 'vitest';
import { type Lane, TurnQueue } from './turn-queue.js';

/** A turn that records its name when taken and ends when `release` is called (or at once). */
function turns() {
  const taken: string[] = [];
  const releases = new Map<string, () => void>();
  const make = (name: string, lane: Lane, opts: { hold?: boolean; fail?: boolean } = {}) => ({
    lane,
    take: () => {
      taken.push(name);
      if (opts.fail) return Promise.reject(new Error(`${name} broke`));
      if (!opts.hold) return Promise.resolve();
      return new Promise<void>((resolve) => releases.set(name, resolve));
    },
  });
  const release = (name: string) => releases.get(name)?.();
  return { taken, make, release };
}

const settle = () => new Promise((r) => setImmediate(r)).then(() => new Promise((r) => setImmediate(r)));

describe('TurnQueue', () => {
  it('takes a face frame before the model runs that were queued earlier, and each lane in arrival order', async () => {
    const { taken, make, release } = turns();
    const q = new TurnQueue(8);
    q.push(make('pose 1 (in progress)', 'run', { hold: true }));
    q.push(make('pose 2', 'run'));
    q.push(make('pose 3', 'run'));
    q.push(make('face A', 'face'));
    q.push(make('face B', 'face'));
    expect(taken).toEqual(['pose 1 (in progress)']); // one turn at a time
    expect(q.depth).toBe(4);
    release('pose 1 (in progress)');
    for (let i = 0; i < 8 && taken.length < 5; i++) await settle();
    expect(taken).toEqual(['pose 1 (in progress)', 'face A', 'face B', 'pose 2', 'pose 3']);
    expect(q.depth).toBe(0);
    expect(q.maxDepthSeen).toBe(4);
    const waits = q.waits();
    expect(waits.face.turns).toBe(2);
    expect(waits.run.turns).toBe(3);
    expect(waits.run.maxMs).toBeGreaterThanOrEqual(waits.run.meanMs);
  });

  it('refuses a turn past its bound, and goes on after a turn that throws', async () => {
    const { taken, make, release } = turns();
    const q = new TurnQueue(2);
    expect(q.push(make('first (in progress)', 'run', { hold: true }))).toBe(true);
    expect(q.push(make('broken', 'face', { fail: true }))).toBe(true);
    expect(q.push(make('second', 'run'))).toBe(true);
    expect(q.push(make('one too many', 'face'))).toBe(false); // two already wait
    expect(q.depth).toBe(2);
    release('first (in progress)');
    for (let i = 0; i < 8 && taken.length < 3; i++) await settle();
    expect(taken).toEqual(['first (in progress)', 'broken', 'second']);
  });
});
