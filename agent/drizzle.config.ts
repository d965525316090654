import { defineConfig } from 'drizzle-kit';

/** drizzle-kit configuration: `npm run db:generate -w agent` writes SQL migrations to `agent/drizzle/`. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/storage/schema.ts',
  out: './drizzle',
  strict: true,
});
