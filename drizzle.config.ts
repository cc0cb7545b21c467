import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` uses this file (it needs no database); migrations are applied by
// `npm run db:migrate`, which reads the validated config.
export default defineConfig({
  schema: './src/db/schema/index.ts',
  out: './src/db/migrations',
  dialect: 'postgresql',
  verbose: true,
  strict: true,
});
