import type { Database } from './database.js';
import { StorageError } from './errors.js';
import { isConnectionError, messageOf } from './write-errors.js';
import { applyWrite, rowsOf, stamped, type WriteOp } from './write-ops.js';
import { type QueuedWrite, WriteSpill } from './write-spill.js';

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

/** Where the buffer reports (pino's signature). */
export interface WriteBufferLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
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
 * `ok`: writes reach the database as they come. `retrying`: the database is unreachable, writes wait in memory
 * and are retried. `full`: the memory bound is reached; new writes go to the spill directory (or are dropped
 * without one, counted in `droppedRows`).
 */
export type WriteBufferState = 'ok' | 'retrying' | 'full';

/** How a buffer's last outage ended: rows written after the database came back, and how long that took. */
export interface WriteRecovery {
  /** Milliseconds from the first failed write to the first write that succeeded again. */
  outageMs: number;
  /** Rows waiting when the database came back (memory and spill). */
  rows: number;
  /** Milliseconds from the first successful write to an empty buffer. */
  flushMs: number;
}

/** A buffer's figures. */
export interface WriteBufferStatus {
  state: WriteBufferState;
  /** Since when the state holds (ms since the epoch). */
  since: number;
  /** Rows waiting, in memory and in the spill directory. */
  pendingRows: number;
  spilledRows: number;
  maxRows: number;
  /** Most rows waiting at once. */
  maxPendingRows: number;
  appliedRows: number;
  /** Rows lost: past the bound without a spill directory, or past `maxSpillBytes`. */
  droppedRows: number;
  /** Rows the database refused (invalid, unknown session) after their attempts. */
  rejectedRows: number;
  /** Failed attempts so far. */
  failedAttempts: number;
  /** When the oldest waiting write was queued. */
  oldestAt?: number;
  lastError?: string;
  lastRecovery?: WriteRecovery;
}

/**
 * The write path of one session while its database may be down: writes are queued in order and applied one
 * at a time (consecutive signal batches in one statement), so a caller never waits for the database. While
 * the database is unreachable the head write is retried with backoff and the rest wait behind it; when it
 * comes back they are applied in the order they were made. Writes the database refuses (invalid input, an
 * unknown session) are given up after `maxAttempts`, counted and logged, so one bad row cannot stop the rest.
 * Past `maxRows` in memory, the newest writes go to spill files and are applied after the ones in memory; the
 * oldest are never dropped. {@link close} writes what is still waiting to the spill directory, where a buffer
 * opened later on the same directory finds and applies it.
 */
export class WriteBuffer {
  readonly #db: Database;
  readonly #o: WriteBufferOptions;
  #spill?: WriteSpill;
  #memory: QueuedWrite[] = [];
  #memoryRows = 0;
  #seq = 0;
  #running = false;
  #closed = false;
  #failing = false;
  #attempts = 0;
  #wake?: () => void;
  #idle: (() => void)[] = [];
  #listeners = new Set<(s: WriteBufferStatus) => void>();
  #callbacks = new Map<number, (result: unknown) => void>();
  #status: Omit<WriteBufferStatus, 'pendingRows' | 'spilledRows' | 'maxRows' | 'oldestAt'>;
  #outage?: { from: number; recoveredAt?: number; rows?: number };

  constructor(db: Database, opts: Partial<WriteBufferOptions> = {}) {
    this.#db = db;
    this.#o = { ...defaultWriteBufferOptions, ...opts };
    this.#status = {
      state: 'ok',
      since: Date.now(),
      maxPendingRows: 0,
      appliedRows: 0,
      droppedRows: 0,
      rejectedRows: 0,
      failedAttempts: 0,
    };
    if (this.#o.spillDir) {
      try {
        const spill = new WriteSpill(this.#o.spillDir, Math.min(1000, this.#o.maxRows));
        this.#seq = spill.open() + 1;
        this.#spill = spill;
      } catch (err) {
        this.#o.log?.error(
          { dir: this.#o.spillDir, err: messageOf(err) },
          'cannot use the spill directory: rows past the buffer will be dropped',
        );
      }
      if (this.#spill && !this.#spill.empty) {
        this.#o.log?.warn(
          { rows: this.#spill.rows, dir: this.#o.spillDir },
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
      this.#status.droppedRows += rowsOf(write);
      return;
    }
    const item: QueuedWrite = { seq: this.#seq++, at: Date.now(), write: stamped(write) };
    if (applied) this.#callbacks.set(item.seq, applied);
    const rows = rowsOf(item.write);
    const spilling = this.#spill && !this.#spill.empty;
    if (!spilling && this.#memoryRows + rows <= this.#o.maxRows) {
      this.#memory.push(item);
      this.#memoryRows += rows;
    } else if (this.#spill && this.#spill.bytes < this.#o.maxSpillBytes) {
      try {
        this.#spill.append([item]);
      } catch (err) {
        this.#drop(item, err);
      }
    } else {
      this.#drop(item, undefined);
    }
    this.#update();
    void this.#run();
  }

  /** The buffer's figures now. */
  status(): WriteBufferStatus {
    const spilledRows = this.#spill?.rows ?? 0;
    const oldestAt = this.#memory[0]?.at;
    return {
      ...this.#status,
      pendingRows: this.#memoryRows + spilledRows,
      spilledRows,
      maxRows: this.#o.maxRows,
      ...(oldestAt !== undefined ? { oldestAt } : {}),
    };
  }

  /** Calls `fn` whenever the state changes; returns how to stop. */
  onChange(fn: (s: WriteBufferStatus) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Resolves true once nothing waits, or false after `timeoutMs`. */
  async drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.#pending() === 0) return true;
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
    const left = this.#memory;
    const rows = this.#memoryRows;
    this.#memory = [];
    this.#memoryRows = 0;
    if (left.length > 0) {
      try {
        if (!this.#spill) throw new StorageError('unavailable', 'no spill directory');
        this.#spill.prepend(left);
        this.#o.log?.error(
          { rows: this.#spill.rows, dir: this.#o.spillDir },
          'database unreachable at close: waiting writes kept in the spill directory',
        );
      } catch (err) {
        this.#status.droppedRows += rows;
        this.#o.log?.error({ rows, err: messageOf(err) }, 'database unreachable at close: writes lost');
      }
    }
    return this.#pending();
  }

  #pending(): number {
    return this.#memoryRows + (this.#spill?.rows ?? 0);
  }

  #drop(item: QueuedWrite, err: unknown): void {
    const rows = rowsOf(item.write);
    this.#status.droppedRows += rows;
    this.#o.log?.error(
      { op: item.write.op, rows, dropped: this.#status.droppedRows, ...(err ? { err: messageOf(err) } : {}) },
      'write buffer full: write dropped',
    );
  }

  /** Takes the next writes to apply: the head, plus the signal batches right behind a signal batch. */
  #next(): QueuedWrite[] {
    if (this.#memory.length === 0 && this.#spill && !this.#spill.empty) {
      const items = this.#spill.takeOldest();
      this.#memory.push(...items);
      this.#memoryRows += items.reduce((n, i) => n + rowsOf(i.write), 0);
    }
    const head = this.#memory[0];
    if (!head) return [];
    if (head.write.op !== 'insertSignals' || this.#attempts > 0) return [head];
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
    for (const item of this.#memory.splice(0, count)) {
      this.#memoryRows -= rowsOf(item.write);
      this.#callbacks.delete(item.seq);
    }
  }

  async #run(): Promise<void> {
    if (this.#running || this.#closed) return;
    this.#running = true;
    try {
      for (;;) {
        if (this.#closed) break;
        const batch = this.#next();
        if (batch.length === 0) break;
        const rows = batch.reduce((n, i) => n + rowsOf(i.write), 0);
        try {
          await this.#apply(batch);
          this.#done(batch.length);
          this.#status.appliedRows += rows;
          this.#succeeded(rows);
        } catch (err) {
          if (!(await this.#failed(batch, rows, err))) break;
        }
        this.#update();
      }
    } finally {
      this.#running = false;
      this.#update();
      if (this.#pending() === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #succeeded(rows: number): void {
    this.#attempts = 0;
    if (this.#failing) {
      this.#failing = false;
      if (this.#outage) {
        this.#outage.recoveredAt = Date.now();
        this.#outage.rows = this.#pending() + rows;
        this.#o.log?.info(
          { pendingRows: this.#outage.rows, outageMs: this.#outage.recoveredAt - this.#outage.from },
          'database reachable again: flushing buffered writes in order',
        );
      }
    }
    const outage = this.#outage;
    if (outage?.recoveredAt !== undefined && this.#pending() === 0) {
      const now = Date.now();
      this.#status.lastRecovery = {
        outageMs: outage.recoveredAt - outage.from,
        rows: outage.rows ?? 0,
        flushMs: now - outage.recoveredAt,
      };
      this.#outage = undefined;
      this.#o.log?.info({ ...this.#status.lastRecovery }, 'buffered writes flushed');
    }
  }

  /** Handles a failed attempt; returns false when the loop should stop (closed). */
  async #failed(batch: QueuedWrite[], rows: number, err: unknown): Promise<boolean> {
    this.#status.failedAttempts++;
    this.#status.lastError = messageOf(err);
    this.#attempts++;
    const unreachable = isConnectionError(err);
    const refused = err instanceof StorageError && err.code !== 'unavailable';
    if (!unreachable && (refused || this.#attempts >= this.#o.maxAttempts)) {
      // A coalesced signal batch is retried write by write first, so only the bad one is given up.
      if (batch.length > 1) return true;
      this.#done(1);
      this.#status.rejectedRows += rows;
      // the database answered: it is reachable
      this.#succeeded(0);
      this.#o.log?.error(
        { op: batch[0]?.write.op, rows, err: this.#status.lastError },
        'the database refused a write: given up',
      );
      return true;
    }
    if (!this.#failing) {
      this.#failing = true;
      this.#outage ??= { from: Date.now() };
      this.#o.log?.warn(
        { err: this.#status.lastError, pendingRows: this.#pending() },
        'database unreachable: buffering writes and retrying',
      );
    }
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
    const pending = this.#pending();
    if (pending > this.#status.maxPendingRows) this.#status.maxPendingRows = pending;
    const full = (this.#spill !== undefined && !this.#spill.empty) || this.#memoryRows >= this.#o.maxRows;
    const state: WriteBufferState = full ? 'full' : this.#failing ? 'retrying' : 'ok';
    if (state === this.#status.state) return;
    this.#status.state = state;
    this.#status.since = Date.now();
    const snapshot = this.status();
    for (const fn of this.#listeners) {
      try {
        fn(snapshot);
      } catch (err) {
        this.#o.log?.error({ err: messageOf(err) }, 'write buffer listener failed');
      }
    }
  }
}
