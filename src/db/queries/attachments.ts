import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { type Attachment, ticketMessages, tickets } from '../schema/index.js';

/**
 * An attachment of a live ticket's message, by its id, or undefined. Under `withTenant` only the
 * organisation's messages are visible, so another organisation's attachment is simply not found.
 */
export async function findAttachment(
  db: Queryable,
  organizationId: string,
  attachmentId: string,
): Promise<Attachment | undefined> {
  const [message] = await db
    .select({ attachments: ticketMessages.attachments })
    .from(ticketMessages)
    .innerJoin(tickets, eq(tickets.id, ticketMessages.ticketId))
    .where(
      and(
        eq(tickets.organizationId, organizationId),
        isNull(tickets.deletedAt),
        sql`${ticketMessages.attachments} @> ${JSON.stringify([{ id: attachmentId }])}::jsonb`,
      ),
    )
    .limit(1);
  return message?.attachments?.find((a) => a.id === attachmentId);
}
