import { and, eq, exists, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { tickets, userOrganizations, users } from '../schema/index.js';

/** Roles whose members take part in every conversation of their organisation. */
const STAFF_ROLES = ['agent', 'admin', 'owner'] as const;

/**
 * The organisation's ticket `ticketNumber`, if `senderAddress` takes part in it: its customer or one of
 * the organisation's staff. A subject token alone proves nothing (numbers are easy to guess), so mail
 * from anyone else carrying it must not land in that conversation.
 */
export async function ticketByTokenFromParticipant(
  db: Queryable,
  organizationId: string,
  ticketNumber: number,
  senderAddress: string,
): Promise<{ ticketId: string; status: (typeof tickets.$inferSelect)['status'] } | null> {
  const address = senderAddress.toLowerCase();
  const isSender = sql`lower(${users.email}) = ${address}`;
  const [row] = await db
    .select({ ticketId: tickets.id, status: tickets.status })
    .from(tickets)
    .where(
      and(
        eq(tickets.organizationId, organizationId),
        eq(tickets.ticketNumber, ticketNumber),
        isNull(tickets.deletedAt),
        or(
          exists(
            db
              .select({ one: sql`1` })
              .from(users)
              .where(and(eq(users.id, tickets.customerId), isSender)),
          ),
          exists(
            db
              .select({ one: sql`1` })
              .from(userOrganizations)
              .innerJoin(users, eq(users.id, userOrganizations.userId))
              .where(
                and(
                  eq(userOrganizations.organizationId, organizationId),
                  inArray(userOrganizations.role, [...STAFF_ROLES]),
                  // Deactivated staff take part in nothing.
                  eq(users.isActive, true),
                  isSender,
                ),
              ),
          ),
        ),
      ),
    );
  return row ?? null;
}
