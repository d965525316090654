import { messageOf } from './write-errors.js';

/** Where the buffer reports (pino's signature). */
export interface WriteBufferLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

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

/** The figures a {@link WriteHealth} keeps itself (the rest are the queue's). */
export type WriteCounters = Omit<WriteBufferStatus, 'pendingRows' | 'spilledRows' | 'maxRows' | 'oldestAt'>;

/**
 * A write buffer's health: its counters, whether the database is failing, the current outage (from the first
 * failed write to an empty buffer after the database came back) and the listeners told of each state change.
 */
export class WriteHealth {
  readonly #log?: WriteBufferLog;
  #counters: WriteCounters;
  #failing = false;
  #outage?: { from: number; recoveredAt?: number; rows?: number };
  #listeners = new Set<(s: WriteBufferStatus) => void>();

  constructor(log?: WriteBufferLog) {
    this.#log = log;
    this.#counters = {
      state: 'ok',
      since: Date.now(),
      maxPendingRows: 0,
      appliedRows: 0,
      droppedRows: 0,
      rejectedRows: 0,
      failedAttempts: 0,
    };
  }

  /** The counters now (a copy). */
  get counters(): WriteCounters {
    return { ...this.#counters };
  }

  /** Whether the last attempt found the database unreachable. */
  get failing(): boolean {
    return this.#failing;
  }

  applied(rows: number): void {
    this.#counters.appliedRows += rows;
  }

  /** Counts rows lost; returns the total lost so far. */
  dropped(rows: number): number {
    this.#counters.droppedRows += rows;
    return this.#counters.droppedRows;
  }

  rejected(rows: number): void {
    this.#counters.rejectedRows += rows;
  }

  /** Counts a failed attempt; returns its message. */
  attemptFailed(err: unknown): string {
    this.#counters.failedAttempts++;
    this.#counters.lastError = messageOf(err);
    return this.#counters.lastError;
  }

  /** The database could not be reached: an outage starts (once). */
  unreachable(pendingRows: number): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#outage ??= { from: Date.now() };
    this.#log?.warn(
      { err: this.#counters.lastError, pendingRows },
      'database unreachable: buffering writes and retrying',
    );
  }

  /**
   * The database answered (`rows` were written, or a write was refused): ends the failing period, and the outage
   * once nothing waits (`pendingRows` left after this write).
   */
  reachable(rows: number, pendingRows: number): void {
    if (this.#failing) {
      this.#failing = false;
      if (this.#outage) {
        this.#outage.recoveredAt = Date.now();
        this.#outage.rows = pendingRows + rows;
        this.#log?.info(
          { pendingRows: this.#outage.rows, outageMs: this.#outage.recoveredAt - this.#outage.from },
          'database reachable again: flushing buffered writes in order',
        );
      }
    }
    const outage = this.#outage;
    if (outage?.recoveredAt !== undefined && pendingRows === 0) {
      const now = Date.now();
      this.#counters.lastRecovery = {
        outageMs: outage.recoveredAt - outage.from,
        rows: outage.rows ?? 0,
        flushMs: now - outage.recoveredAt,
      };
      this.#outage = undefined;
      this.#log?.info({ ...this.#counters.lastRecovery }, 'buffered writes flushed');
    }
  }

  /** Calls `fn` whenever the state changes; returns how to stop. */
  onChange(fn: (s: WriteBufferStatus) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Records the rows waiting and whether the bound is reached; on a state change, tells the listeners the full
   * status that `status` builds.
   */
  update(pendingRows: number, full: boolean, status: () => WriteBufferStatus): void {
    if (pendingRows > this.#counters.maxPendingRows) this.#counters.maxPendingRows = pendingRows;
    const state: WriteBufferState = full ? 'full' : this.#failing ? 'retrying' : 'ok';
    if (state === this.#counters.state) return;
    this.#counters.state = state;
    this.#counters.since = Date.now();
    const snapshot = status();
    for (const fn of this.#listeners) {
      try {
        fn(snapshot);
      } catch (err) {
        this.#log?.error({ err: messageOf(err) }, 'write buffer listener failed');
      }
    }
  }
}
