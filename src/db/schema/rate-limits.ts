import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/**
 * Counters of the rate limits on sign-in (per client address, per account), shared by every API process
 * on the database. Global: a counter belongs to no organisation. One row per key and running window.
 */
export const rateLimitHits = pgTable('rate_limit_hits', {
  /** `<rule>:<what is counted>`, e.g. `login-account:ada@example.com`. */
  key: text('key').primaryKey(),
  /** Start of the current window: the first hit after the previous window ended. */
  windowStart: timestamptz('window_start').notNull(),
  hits: integer('hits').notNull(),
});
