import type { Database } from './database.js';
import { StorageError } from './errors.js';
import { isConnectionError, messageOf } from './write-errors.js';
import {
  type WriteBufferLog,
  type WriteBufferState,
  type WriteBufferStatus,
  WriteHealth,
  type WriteRecovery,
} from './write-health.js';
import { applyWrite, rowsOf, stamped, type WriteOp } from './write-ops.js';
import { WriteQueue } from './write-queue.js';
import type { QueuedWrite } from './write-spill.js';

export type { WriteBufferLog, WriteBufferState, WriteBufferStatus, WriteRecovery };

/** Options of {@link WriteBuffer}. */
export interface WriteBufferOptions {
  /** Rows kept in memory; past it new writes go to `spillDir` (or are dropped without one). */
  maxRows: number;
  /** Directory for writes past `maxRows` and for those left when the buffer closes. */
  spillDir?: string;
  /** Most bytes kept in `spillDir`; past it new writes are dropped (and counted). */
  maxSpillBytes: number;
  /** First and longest wait between attempts while the database is unreachable. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Attempts at a write failing for another reason than an unreachable database before it is given up. */
  maxAttempts: number;
  /** Most signal rows applied in one statement when several signal batches wait. */
  batchRows: number;
  log?: WriteBufferLog;
}

/** Defaults of {@link WriteBufferOptions}. */
export const defaultWriteBufferOptions = {
  maxRows: 10_000,
  maxSpillBytes: 512 * 1024 * 1024,
  retryMinMs: 250,
  retryMaxMs: 2000,
  maxAttempts: 5,
  batchRows: 1000,
} satisfies Partial<WriteBufferOptions>;

/**
 * The write path of one session while its database may be down: writes are queued in order and applied one
 * at a time (consecutive signal batches in one statement), so a caller never waits for the database. While
 * the database is unreachable the head write is retried with backoff and the rest wait behind it; when it
 * comes back they are applied in the order they were made. Writes the database refuses (invalid input, an
 * unknown session) are given up after `maxAttempts`, counted and logged, so one bad row cannot stop the rest.
 * Past `maxRows` in memory, the newest writes go to spill files and are applied after the ones in memory; the
 * oldest are never dropped (see {@link WriteQueue}). {@link close} writes what is still waiting to the spill
 * directory, where a buffer opened later on the same directory finds and applies it. Its figures and outages are
 * kept by a {@link WriteHealth}.
 */
export class WriteBuffer {
  readonly #db: Database;
  readonly #o: WriteBufferOptions;
  readonly #queue: WriteQueue;
  readonly #health: WriteHealth;
  #seq = 0;
  #running = false;
  #closed = false;
  #attempts = 0;
  #wake?: () => void;
  #idle: (() => void)[] = [];
  #callbacks = new Map<number, (result: unknown) => void>();

  constructor(db: Database, opts: Partial<WriteBufferOptions> = {}) {
    this.#db = db;
    this.#o = { ...defaultWriteBufferOptions, ...opts };
    this.#health = new WriteHealth(this.#o.log);
    this.#queue = new WriteQueue(this.#o);
    if (this.#o.spillDir) {
      try {
        this.#seq = this.#queue.openSpill(this.#o.spillDir);
      } catch (err) {
        this.#o.log?.error(
          { dir: this.#o.spillDir, err: messageOf(err) },
          'cannot use the spill directory: rows past the buffer will be dropped',
        );
      }
      if (this.#queue.spilling) {
        this.#o.log?.warn(
          { rows: this.#queue.spilledRows, dir: this.#o.spillDir },
          'found writes an earlier process could not store; applying them first',
        );
        this.#update();
        void this.#run();
      }
    }
  }

  /**
   * Queues a write; it is applied after every write queued before it. Never throws, never waits. `applied`, if
   * given, is called with the store method's result once the write is applied by this buffer (not for a write
   * given up, dropped, or left in the spill directory at close).
   */
  enqueue(write: WriteOp, applied?: (result: unknown) => void): void {
    if (this.#closed) {
      this.#o.log?.error({ op: write.op }, 'write after the buffer closed: not stored');
      this.#health.dropped(rowsOf(write));
      return;
    }
    const item: QueuedWrite = { seq: this.#seq++, at: Date.now(), write: stamped(write) };
    if (applied) this.#callbacks.set(item.seq, applied);
    const { placed, err } = this.#queue.add(item);
    if (placed === 'dropped') this.#drop(item, err);
    this.#update();
    void this.#run();
  }

  /** The buffer's figures now. */
  status(): WriteBufferStatus {
    const oldestAt = this.#queue.oldestAt;
    return {
      ...this.#health.counters,
      pendingRows: this.#queue.pendingRows,
      spilledRows: this.#queue.spilledRows,
      maxRows: this.#o.maxRows,
      ...(oldestAt !== undefined ? { oldestAt } : {}),
    };
  }

  /** Calls `fn` whenever the state changes; returns how to stop. */
  onChange(fn: (s: WriteBufferStatus) => void): () => void {
    return this.#health.onChange(fn);
  }

  /** Resolves true once nothing waits, or false after `timeoutMs`. */
  async drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.#queue.pendingRows === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.#idle.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Waits up to `drainMs` for the waiting writes, then stops. Writes still waiting go to the spill directory
   * (counted as dropped without one). Returns the rows left.
   */
  async close(drainMs = 10_000): Promise<number> {
    await this.drain(drainMs);
    this.#closed = true;
    this.#wake?.();
    while (this.#running) await new Promise((r) => setTimeout(r, 20));
    this.#callbacks.clear();
    const { rows, err } = this.#queue.spillMemory();
    if (rows > 0 && err === undefined) {
      this.#o.log?.error(
        { rows: this.#queue.spilledRows, dir: this.#o.spillDir },
        'database unreachable at close: waiting writes kept in the spill directory',
      );
    } else if (rows > 0) {
      this.#health.dropped(rows);
      this.#o.log?.error({ rows, err: messageOf(err) }, 'database unreachable at close: writes lost');
    }
    return this.#queue.pendingRows;
  }

  #drop(item: QueuedWrite, err: unknown): void {
    const rows = rowsOf(item.write);
    const dropped = this.#health.dropped(rows);
    this.#o.log?.error(
      { op: item.write.op, rows, dropped, ...(err ? { err: messageOf(err) } : {}) },
      'write buffer full: write dropped',
    );
  }

  async #apply(batch: QueuedWrite[]): Promise<void> {
    const first = batch[0] as QueuedWrite;
    if (batch.length === 1) {
      const result = await applyWrite(this.#db, first.write);
      const callback = this.#callbacks.get(first.seq);
      this.#callbacks.delete(first.seq);
      try {
        callback?.(result);
      } catch (err) {
        this.#o.log?.error({ err: messageOf(err) }, 'write callback failed');
      }
      return;
    }
    const signals = batch.flatMap((i) => (i.write.op === 'insertSignals' ? i.write.signals : []));
    await applyWrite(this.#db, { op: 'insertSignals', signals });
  }

  #done(count: number): void {
    for (const item of this.#queue.done(count)) this.#callbacks.delete(item.seq);
  }

  async #run(): Promise<void> {
    if (this.#running || this.#closed) return;
    this.#running = true;
    try {
      for (;;) {
        if (this.#closed) break;
        // after a failure the head is retried alone, so a refused signal batch is found write by write
        const batch = this.#queue.next(this.#attempts === 0);
        if (batch.length === 0) break;
        const rows = batch.reduce((n, i) => n + rowsOf(i.write), 0);
        try {
          await this.#apply(batch);
          this.#done(batch.length);
          this.#health.applied(rows);
          this.#succeeded(rows);
        } catch (err) {
          if (!(await this.#failed(batch, rows, err))) break;
        }
        this.#update();
      }
    } finally {
      this.#running = false;
      this.#update();
      if (this.#queue.pendingRows === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #succeeded(rows: number): void {
    this.#attempts = 0;
    this.#health.reachable(rows, this.#queue.pendingRows);
  }

  /** Handles a failed attempt; returns false when the loop should stop (closed). */
  async #failed(batch: QueuedWrite[], rows: number, err: unknown): Promise<boolean> {
    const message = this.#health.attemptFailed(err);
    this.#attempts++;
    const unreachable = isConnectionError(err);
    const refused = err instanceof StorageError && err.code !== 'unavailable';
    if (!unreachable && (refused || this.#attempts >= this.#o.maxAttempts)) {
      // A coalesced signal batch is retried write by write first, so only the bad one is given up.
      if (batch.length > 1) return true;
      this.#done(1);
      this.#health.rejected(rows);
      // the database answered: it is reachable
      this.#succeeded(0);
      this.#o.log?.error(
        { op: batch[0]?.write.op, rows, err: message },
        'the database refused a write: given up',
      );
      return true;
    }
    this.#health.unreachable(this.#queue.pendingRows);
    this.#update();
    const wait = Math.min(this.#o.retryMaxMs, this.#o.retryMinMs * 2 ** Math.min(this.#attempts - 1, 16));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
    return !this.#closed;
  }

  #update(): void {
    this.#health.update(this.#queue.pendingRows, this.#queue.full, () => this.status());
  }
}
