import { parseArgs } from 'node:util';
import { openDatabase } from '@interview-helper/storage';
import { loadConfig } from './config.js';
import { dataServices, receiptJson } from './data-routes.js';
import { loadRetentionConfig, RetentionJob } from './retention.js';

/**
 * Runs the retention job once (`npm run retention -w token-server [-- --days N]`): deletes every session
 * created more than `RETENTION_DAYS` (or `--days`) days ago, closing open rooms, and prints one JSON receipt
 * per deleted session. Exits 2 when no period is set.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { days: { type: 'string' } } });
  const config = loadConfig();
  const days = values.days === undefined ? loadRetentionConfig().days : Number(values.days);
  if (days === undefined || !Number.isInteger(days) || days < 1) {
    console.error('retention: set RETENTION_DAYS or pass --days N (a whole number of days, at least 1)');
    process.exit(2);
  }
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.pgliteDir });
  try {
    const job = new RetentionJob({ ...dataServices(database.db, config), days, logger: console });
    const receipts = await job.runOnce();
    for (const r of receipts) console.log(JSON.stringify(receiptJson(r)));
    console.error(
      `retention: ${receipts.length} session(s) created before ${job.cutoff().toISOString()} deleted`,
    );
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  console.error('retention failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
