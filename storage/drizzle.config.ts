import { defineConfig } from 'drizzle-kit';

/** drizzle-kit configuration: `npm run db:generate -w storage` writes SQL migrations to `storage/drizzle/`. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './drizzle',
  strict: true,
});
