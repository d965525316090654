import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleSignal } from '@interview-helper/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import type { WriteOp } from './write-ops.js';
import { WriteQueue } from './write-queue.js';
import type { QueuedWrite } from './write-spill.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const signals = (n: number): WriteOp => ({
  op: 'insertSignals',
  signals: Array.from({ length: n }, (_, i) => exampleSignal('speech-segment', { seconds: 1 }, 1_000 + i)),
});
const end: WriteOp = { op: 'endSession', sessionId: 's', at: 1 };
let seq = 0;
const item = (write: WriteOp): QueuedWrite => ({ seq: seq++, at: 1_000 + seq, write });

describe('WriteQueue', () => {
  it('coalesces signal batches behind a signal head up to batchRows, never past another kind', () => {
    const q = new WriteQueue({ maxRows: 100, maxSpillBytes: 1e6, batchRows: 5 });
    for (const w of [signals(2), signals(2), signals(2), end, signals(1)]) q.add(item(w));
    expect(q.next(true).map((i) => i.write.op)).toEqual(['insertSignals', 'insertSignals']);
    expect(q.next(false)).toHaveLength(1);
    q.done(2);
    expect(q.next(true).map((i) => i.write.op)).toEqual(['insertSignals']);
    q.done(1);
    expect(q.next(true).map((i) => i.write.op)).toEqual(['endSession']);
    expect(q.pendingRows).toBe(2);
  });

  it('keeps the order across memory and spill files and drops past the bound without a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ih-wq-'));
    dirs.push(dir);
    const q = new WriteQueue({ maxRows: 2, maxSpillBytes: 1e6, batchRows: 100 });
    q.openSpill(dir);
    const placed = [signals(1), signals(1), end, signals(1)].map((w) => q.add(item(w)).placed);
    expect(placed).toEqual(['memory', 'memory', 'spill', 'spill']);
    expect(q.full).toBe(true);
    const first = q.done(q.next(true).length);
    expect(first.map((i) => i.write.op)).toEqual(['insertSignals', 'insertSignals']);
    expect(q.next(true).map((i) => i.write.op)).toEqual(['endSession']);

    const bare = new WriteQueue({ maxRows: 1, maxSpillBytes: 1e6, batchRows: 100 });
    expect([signals(1), end].map((w) => bare.add(item(w)).placed)).toEqual(['memory', 'dropped']);
    const left = bare.spillMemory();
    expect(left.rows).toBe(1);
    expect(left.err).toBeDefined();
    expect(bare.pendingRows).toBe(0);
  });
});
