import type { DeletionReceiptRow, SessionDeletion } from '@interview-helper/storage';
import { z } from 'zod';
import type { DataServices } from './data-routes.js';
import type { SessionEraser } from './erase.js';

const DAY_MS = 86_400_000;

/** Retention settings, from the environment by {@link loadRetentionConfig}. */
export interface RetentionConfig {
  /** Sessions created more than this many days ago are deleted; `undefined` keeps everything. */
  days: number | undefined;
  /** How often the token server runs the retention job. */
  intervalMs: number;
}

const envSchema = z.object({
  RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
});

/** Reads `RETENTION_DAYS` and `RETENTION_INTERVAL_MINUTES` (empty counts as unset); throws on invalid values. */
export function loadRetentionConfig(env: Record<string, string | undefined> = process.env): RetentionConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new Error(
      `Invalid retention configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return { days: parsed.data.RETENTION_DAYS, intervalMs: parsed.data.RETENTION_INTERVAL_MINUTES * 60_000 };
}

/** Where the job reports what it did. */
export interface RetentionLogger {
  info(message: string): void;
  error(message: string, err?: unknown): void;
}

/** What {@link RetentionJob} needs. */
export interface RetentionJobOptions {
  eraser: SessionEraser;
  deletion: SessionDeletion;
  /** Sessions created more than `days` days before the clock are deleted. */
  days: number;
  /** Period of {@link RetentionJob.start} (default one hour). */
  intervalMs?: number;
  clock?: () => Date;
  logger?: RetentionLogger;
  /** Sessions read per query. */
  batchSize?: number;
}

/**
 * Deletes every session older than the retention period, each with its own deletion receipt
 * (`reason: "retention"`, `requestedBy: "retention"`). `runOnce` is the whole job; `start` repeats it.
 */
export class RetentionJob {
  readonly #opts: Required<Omit<RetentionJobOptions, 'logger'>> & { logger: RetentionLogger };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<DeletionReceiptRow[]> | undefined;

  constructor(options: RetentionJobOptions) {
    if (!Number.isInteger(options.days) || options.days < 1) throw new Error('retention days must be >= 1');
    this.#opts = {
      intervalMs: 3_600_000,
      clock: () => new Date(),
      logger: console,
      batchSize: 100,
      ...options,
    };
  }

  /** The creation time before which sessions are deleted now. */
  cutoff(): Date {
    return new Date(this.#opts.clock().getTime() - this.#opts.days * DAY_MS);
  }

  /** Deletes every session created before the cutoff; returns the new receipts. Overlapping calls share one run. */
  runOnce(): Promise<DeletionReceiptRow[]> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(): Promise<DeletionReceiptRow[]> {
    const { deletion, eraser, batchSize, logger } = this.#opts;
    const cutoff = this.cutoff();
    const receipts: DeletionReceiptRow[] = [];
    const failed = new Set<string>();
    for (;;) {
      const due = (await deletion.listCreatedBefore(cutoff, batchSize + failed.size)).filter(
        (s) => !failed.has(s.id),
      );
      if (due.length === 0) break;
      for (const session of due) {
        try {
          const result = await eraser.erase(session, { requestedBy: 'retention', reason: 'retention' });
          if (result.status === 'deleted') receipts.push(result.receipt);
        } catch (err) {
          failed.add(session.id);
          logger.error(`retention: could not delete session ${session.id}`, err);
        }
      }
    }
    if (receipts.length > 0 || failed.size > 0) {
      logger.info(
        `retention: deleted ${receipts.length} session(s) created before ${cutoff.toISOString()}` +
          (failed.size > 0 ? `, ${failed.size} failed (retried next run)` : ''),
      );
    }
    return receipts;
  }

  /** Runs the job now and then every `intervalMs` until {@link stop}. */
  start(): void {
    if (this.#timer) return;
    const tick = () => {
      this.runOnce().catch((err: unknown) => this.#opts.logger.error('retention run failed', err));
    };
    tick();
    this.#timer = setInterval(tick, this.#opts.intervalMs);
    this.#timer.unref();
  }

  /** Stops repeating and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }
}

/**
 * Starts the retention job of the token server process when `RETENTION_DAYS` is set (and says so); without it
 * logs that stored interviews are kept until deleted and returns `undefined`.
 */
export function startRetention(
  data: Pick<DataServices, 'eraser' | 'deletion'>,
  env: Record<string, string | undefined> = process.env,
  logger: RetentionLogger & { warn(message: string): void } = console,
): RetentionJob | undefined {
  const config = loadRetentionConfig(env);
  if (config.days === undefined) {
    logger.warn('token server: RETENTION_DAYS is unset, interviews are kept until deleted through the API');
    return undefined;
  }
  const job = new RetentionJob({ ...data, days: config.days, intervalMs: config.intervalMs, logger });
  logger.info(
    `token server: deleting interviews older than ${config.days} days, every ${config.intervalMs / 60_000} min`,
  );
  job.start();
  return job;
}
