import type { HintWhy } from '@interview-helper/protocol';
import { eq, sql } from 'drizzle-orm';
import type { Database } from './database.js';
import { storageCall } from './errors.js';
import { type HintDrop, hints } from './schema.js';
import { toDate } from './store.js';
import type { Timestamp } from './store-types.js';

/** `column || extra` as a JSON array without repeats. */
const unionJson = (column: typeof hints.evidence | typeof hints.recipients, extra: readonly string[]) =>
  sql`(select coalesce(jsonb_agg(distinct e), '[]'::jsonb) from jsonb_array_elements_text(${column} || ${JSON.stringify([...extra])}::jsonb) as e)`;

/**
 * Hint delivery bookkeeping (inserting hints, feedback and reports live in `InterviewStore`).
 * Failures are `StorageError`s with a stable `code`.
 */
export class HintStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Folds a near-duplicate trigger into an existing hint: adds its evidence (without repeats) and counts
   * it. Returns false for an unknown hint.
   */
  mergeIntoHint(hintId: string, evidence: readonly string[]): Promise<boolean> {
    return storageCall('mergeIntoHint', async () => {
      const rows = await this.#db
        .update(hints)
        .set({ mergedCount: sql`${hints.mergedCount} + 1`, evidence: unionJson(hints.evidence, evidence) })
        .where(eq(hints.id, hintId))
        .returning({ id: hints.id });
      return rows.length > 0;
    });
  }

  /**
   * Replaces what a hint says with what was last sent (text, confidence, source and its "why" block, e.g.
   * after a related trigger was merged into it) and adds `evidence` to its own. Returns false for an unknown
   * hint.
   */
  updateHint(
    hintId: string,
    update: {
      text: string;
      evidence: readonly string[];
      confidence: number;
      source: 'rules' | 'llm';
      why: HintWhy;
    },
  ): Promise<boolean> {
    return storageCall('updateHint', async () => {
      const rows = await this.#db
        .update(hints)
        .set({
          text: update.text,
          evidence: unionJson(hints.evidence, update.evidence),
          confidence: update.confidence,
          source: update.source,
          why: update.why,
        })
        .where(eq(hints.id, hintId))
        .returning({ id: hints.id });
      return rows.length > 0;
    });
  }

  /** Records interviewers a hint was not delivered to, and why. Returns false for an unknown hint. */
  addHintDrops(hintId: string, drops: readonly HintDrop[]): Promise<boolean> {
    return storageCall('addHintDrops', async () => {
      const rows = await this.#db
        .update(hints)
        .set({ drops: sql`${hints.drops} || ${JSON.stringify(drops)}::jsonb` })
        .where(eq(hints.id, hintId))
        .returning({ id: hints.id });
      return rows.length > 0;
    });
  }

  /** Adds interviewer identities a hint was delivered to (first delivery sets `publishedAt`). */
  addHintRecipients(
    hintId: string,
    identities: readonly string[],
    at: Timestamp = Date.now(),
  ): Promise<boolean> {
    return storageCall('addHintRecipients', async () => {
      const rows = await this.#db
        .update(hints)
        .set({
          recipients: unionJson(hints.recipients, identities),
          publishedAt: sql`coalesce(${hints.publishedAt}, ${toDate(at, 'at').toISOString()}::timestamptz)`,
        })
        .where(eq(hints.id, hintId))
        .returning({ id: hints.id });
      return rows.length > 0;
    });
  }
}
