import { lt, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { rateLimitHits } from '../schema/index.js';

export interface Hit {
  /** Hits in the current window, this one included. */
  hits: number;
  /** Milliseconds until the current window ends (and the count starts again). */
  resetsInMs: number;
}

/**
 * Counts one hit on `key` in one atomic upsert: the row lock makes concurrent hits from any number of API
 * processes count exactly once each. A window starts at the first hit after the previous one ended, so a
 * burst is never split across two windows. Times come from the database clock, shared by every process.
 */
export async function countHit(db: Queryable, key: string, windowMs: number): Promise<Hit> {
  const window = sql`make_interval(secs => ${windowMs / 1000})`;
  const running = sql`${rateLimitHits.windowStart} + ${window} > now()`;
  const [row] = await db
    .insert(rateLimitHits)
    .values({ key, windowStart: sql`now()`, hits: 1 })
    .onConflictDoUpdate({
      target: rateLimitHits.key,
      set: {
        windowStart: sql`case when ${running} then ${rateLimitHits.windowStart} else now() end`,
        hits: sql`case when ${running} then ${rateLimitHits.hits} + 1 else 1 end`,
      },
    })
    .returning({
      hits: rateLimitHits.hits,
      resetsInMs: sql<number>`greatest(0, extract(epoch from (${rateLimitHits.windowStart} + ${window} - now())) * 1000)::float8`,
    });
  return { hits: row!.hits, resetsInMs: Number(row!.resetsInMs) };
}

/** Deletes the counters whose window started more than `olderThanMs` ago (they count nothing any more). */
export async function deleteStaleHits(db: Queryable, olderThanMs: number): Promise<void> {
  await db
    .delete(rateLimitHits)
    .where(lt(rateLimitHits.windowStart, sql`now() - make_interval(secs => ${olderThanMs / 1000})`));
}
