import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { ticketActivities, tickets } from '../schema/index.js';

/** What the live stream tells a browser: this ticket changed, and how. */
export interface TicketEvent {
  id: string;
  ticketId: string;
  ticketNumber: number;
  action: string;
  userId: string | null;
  createdAt: Date;
}

/** The database's clock: the stream's starting point, comparable with `created_at`. */
export async function databaseNow(db: Queryable): Promise<Date> {
  const rows = (await db.execute(sql`select now() as now`)) as unknown as { now: Date | string }[];
  return new Date(rows[0]!.now);
}

/**
 * The organisation's ticket activities recorded after `since`, oldest first. Run under `withTenant`:
 * RLS hides every other organisation's rows whatever is asked.
 */
export function ticketEventsSince(
  db: Queryable,
  organizationId: string,
  since: Date,
  limit: number,
): Promise<TicketEvent[]> {
  return db
    .select({
      id: ticketActivities.id,
      ticketId: ticketActivities.ticketId,
      ticketNumber: tickets.ticketNumber,
      action: ticketActivities.action,
      userId: ticketActivities.userId,
      createdAt: ticketActivities.createdAt,
    })
    .from(ticketActivities)
    .innerJoin(tickets, eq(tickets.id, ticketActivities.ticketId))
    .where(and(eq(tickets.organizationId, organizationId), gt(ticketActivities.createdAt, since)))
    .orderBy(asc(ticketActivities.createdAt), asc(ticketActivities.id))
    .limit(limit);
}
