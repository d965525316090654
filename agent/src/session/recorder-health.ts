import type { SignalKind, StorageStatus } from '@interview-helper/protocol';
import type { WriteBufferStatus } from '@interview-helper/storage';
import { logger } from '../log.js';
import type { SessionContext, SessionExtension } from './extension.js';
import type { SessionWrites } from './recorder-types.js';

/** Options of {@link StorageHealthExtension}. */
export interface StorageHealthOptions {
  /** How often an ongoing `storage-degraded` episode is updated. */
  updateMs: number;
}

/** Defaults of {@link StorageHealthOptions}. */
export const defaultStorageHealthOptions: StorageHealthOptions = { updateMs: 10_000 };

/** The write path's figures as the `stats` message carries them. */
export function storageStatus(s: WriteBufferStatus): StorageStatus {
  return {
    state: s.state,
    since: s.since,
    pendingRows: s.pendingRows,
    spilledRows: s.spilledRows,
    maxRows: s.maxRows,
    appliedRows: s.appliedRows,
    droppedRows: s.droppedRows,
    rejectedRows: s.rejectedRows,
    ...(s.lastRecovery
      ? {
          lastRecovery: {
            outageMs: Math.round(s.lastRecovery.outageMs),
            rows: s.lastRecovery.rows,
            flushMs: Math.round(s.lastRecovery.flushMs),
          },
        }
      : {}),
  };
}

/**
 * Tells interviewers when the session's records cannot reach the database: the write path's state goes in
 * every `stats` message (`storage`), and a `storage-degraded` episode starts when the write buffer is full
 * (newer records spill to disk), is updated while it lasts and ends when the database is reachable again and
 * the buffer is back under its bound. Analysis and hints go on throughout: nothing here waits for the database.
 */
export class StorageHealthExtension implements SessionExtension {
  readonly name = 'storage';
  readonly emits = ['storage-degraded'] as const satisfies readonly SignalKind[];
  #o: StorageHealthOptions;
  #log = logger('storage');
  #ctx?: SessionContext;
  #writes?: SessionWrites;
  #off?: () => void;
  #episode?: { id: string; from: number };
  #timer?: NodeJS.Timeout;

  constructor(opts: Partial<StorageHealthOptions> = {}) {
    this.#o = { ...defaultStorageHealthOptions, ...opts };
  }

  start(ctx: SessionContext): void {
    this.#ctx = ctx;
    this.#writes = ctx.recorder.writes;
    if (!this.#writes) return;
    this.#off = this.#writes.onChange((s) => this.#changed(s));
    this.#changed(this.#writes.status());
  }

  close(): void {
    this.#off?.();
    clearInterval(this.#timer);
  }

  stats(): { storage?: StorageStatus } {
    return this.#writes ? { storage: storageStatus(this.#writes.status()) } : {};
  }

  #changed(s: WriteBufferStatus): void {
    if (s.state === 'full' && !this.#episode) {
      this.#episode = { id: `storage-degraded-${s.since}`, from: s.since };
      this.#log.error(
        { pendingRows: s.pendingRows, maxRows: s.maxRows },
        'write buffer full: records spill to disk until the database is back',
      );
      this.#emit('start', s);
      this.#timer = setInterval(
        () => this.#writes && this.#emit('update', this.#writes.status()),
        this.#o.updateMs,
      );
      this.#timer.unref();
    } else if (s.state === 'ok' && this.#episode) {
      clearInterval(this.#timer);
      this.#emit('end', s);
      this.#episode = undefined;
    }
  }

  #emit(phase: 'start' | 'update' | 'end', s: WriteBufferStatus): void {
    const ctx = this.#ctx;
    const episode = this.#episode;
    if (!ctx || !episode) return;
    const now = Date.now();
    const pending = `${s.pendingRows} records waiting (${s.spilledRows} on disk)`;
    ctx.emitSignal(
      {
        kind: 'storage-degraded',
        range: { start: episode.from, end: Math.max(episode.from, now) },
        values: {
          phase,
          episodeId: episode.id,
          durationMs: Math.max(0, Math.round(now - episode.from)),
          pendingRows: s.pendingRows,
          spilledRows: s.spilledRows,
          maxRows: s.maxRows,
          droppedRows: s.droppedRows,
        },
        confidence: 1,
        summary:
          phase === 'end'
            ? 'The database is reachable again; the buffered records are being written'
            : `The database is unreachable and the write buffer is full: ${pending}, ${s.droppedRows > 0 ? `${s.droppedRows} lost` : 'none lost'}`,
      },
      { analyser: 'session', media: 'text' },
    );
  }
}
