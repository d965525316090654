import { StorageError } from './errors.js';
import { rowsOf } from './write-ops.js';
import { type QueuedWrite, WriteSpill } from './write-spill.js';

/** Where {@link WriteQueue.add} put a write. */
export type Placement = 'memory' | 'spill' | 'dropped';

/** Options of a {@link WriteQueue}. */
export interface WriteQueueOptions {
  /** Rows kept in memory before new writes go to the spill directory. */
  maxRows: number;
  /** Most bytes kept in the spill directory. */
  maxSpillBytes: number;
  /** Most signal rows taken together by {@link next}. */
  batchRows: number;
}

/**
 * The writes of a buffer waiting to be applied, in order: the oldest in memory (up to `maxRows` rows), the newer
 * ones in a {@link WriteSpill} once memory is full. While any spill file exists every new write goes behind it, and
 * when memory empties the oldest spill file is read back, so the order is kept across both.
 */
export class WriteQueue {
  readonly #o: WriteQueueOptions;
  #spill?: WriteSpill;
  #memory: QueuedWrite[] = [];
  #memoryRows = 0;

  constructor(opts: WriteQueueOptions) {
    this.#o = opts;
  }

  /**
   * Opens the spill directory and finds the writes an earlier process left there; returns the next free position
   * in the order. Throws when the directory cannot be used (the queue then works without one).
   */
  openSpill(dir: string): number {
    const spill = new WriteSpill(dir, Math.min(1000, this.#o.maxRows));
    const next = spill.open() + 1;
    this.#spill = spill;
    return next;
  }

  /** Rows waiting, in memory and on disk. */
  get pendingRows(): number {
    return this.#memoryRows + this.spilledRows;
  }

  get spilledRows(): number {
    return this.#spill?.rows ?? 0;
  }

  /** Whether spill files wait (then new writes go behind them). */
  get spilling(): boolean {
    return this.#spill !== undefined && !this.#spill.empty;
  }

  /** Whether the memory bound is reached or writes wait on disk. */
  get full(): boolean {
    return this.spilling || this.#memoryRows >= this.#o.maxRows;
  }

  /** When the oldest write in memory was queued. */
  get oldestAt(): number | undefined {
    return this.#memory[0]?.at;
  }

  /** Puts a write behind the others: in memory while there is room, else on disk, else nowhere. */
  add(item: QueuedWrite): { placed: Placement; err?: unknown } {
    const rows = rowsOf(item.write);
    if (!this.spilling && this.#memoryRows + rows <= this.#o.maxRows) {
      this.#memory.push(item);
      this.#memoryRows += rows;
      return { placed: 'memory' };
    }
    if (this.#spill && this.#spill.bytes < this.#o.maxSpillBytes) {
      try {
        this.#spill.append([item]);
        return { placed: 'spill' };
      } catch (err) {
        return { placed: 'dropped', err };
      }
    }
    return { placed: 'dropped' };
  }

  /**
   * The next writes to apply: the head, plus (when `coalesce`) the signal batches right behind a signal batch, up
   * to `batchRows` rows. Reads the oldest spill file back once memory is empty.
   */
  next(coalesce: boolean): QueuedWrite[] {
    if (this.#memory.length === 0 && this.#spill && !this.#spill.empty) {
      const items = this.#spill.takeOldest();
      this.#memory.push(...items);
      this.#memoryRows += items.reduce((n, i) => n + rowsOf(i.write), 0);
    }
    const head = this.#memory[0];
    if (!head) return [];
    if (head.write.op !== 'insertSignals' || !coalesce) return [head];
    const batch = [head];
    let rows = rowsOf(head.write);
    for (let i = 1; i < this.#memory.length; i++) {
      const next = this.#memory[i] as QueuedWrite;
      if (next.write.op !== 'insertSignals' || rows + rowsOf(next.write) > this.#o.batchRows) break;
      batch.push(next);
      rows += rowsOf(next.write);
    }
    return batch;
  }

  /** Removes the first `count` writes (applied or given up); returns them. */
  done(count: number): QueuedWrite[] {
    const items = this.#memory.splice(0, count);
    for (const item of items) this.#memoryRows -= rowsOf(item.write);
    return items;
  }

  /**
   * Moves what waits in memory to the front of the spill directory (at close). Returns the rows moved, with the
   * error when they could not be kept (no usable directory: the rows are then lost).
   */
  spillMemory(): { rows: number; err?: unknown } {
    const left = this.#memory;
    const rows = this.#memoryRows;
    this.#memory = [];
    this.#memoryRows = 0;
    if (left.length === 0) return { rows: 0 };
    try {
      if (!this.#spill) throw new StorageError('unavailable', 'no spill directory');
      this.#spill.prepend(left);
      return { rows };
    } catch (err) {
      return { rows, err };
    }
  }
}
