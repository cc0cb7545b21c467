import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';

/** Resolves when PostgreSQL answers a statement (readiness), rejects with its error otherwise. */
export async function pingDatabase(db: Queryable) {
  await db.execute(sql`select 1`);
}
