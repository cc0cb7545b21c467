// What ingest asks before it knows the organisation's tenant context (run as admin, every query names
// the organisation) and the one note it writes itself.
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { inboundEmails, mailboxes, ticketMessages, tickets } from '../schema/index.js';
import { recordActivity } from './tickets.js';

/** The organisation and address of the mailbox `mailboxId`, if it exists. */
export async function findMailboxOwner(db: Queryable, mailboxId: string) {
  const [row] = await db
    .select({ organizationId: mailboxes.organizationId, address: mailboxes.address })
    .from(mailboxes)
    .where(eq(mailboxes.id, mailboxId));
  return row;
}

/** Ticket and status of every live ticket message of the organisation carrying one of `ids` (inbound or ours). */
export async function ticketsOfMessageIds(db: Queryable, organizationId: string, ids: string[]) {
  return db
    .select({ messageId: ticketMessages.emailMessageId, ticketId: tickets.id, status: tickets.status })
    .from(ticketMessages)
    .innerJoin(tickets, eq(tickets.id, ticketMessages.ticketId))
    .where(
      and(
        eq(tickets.organizationId, organizationId),
        isNull(tickets.deletedAt),
        inArray(ticketMessages.emailMessageId, ids),
      ),
    );
}

/** Whether the organisation's inbound ledger has the email `messageKey` already. */
export async function isInLedger(
  db: Queryable,
  organizationId: string,
  messageKey: string,
): Promise<boolean> {
  const [row] = await db
    .select({ id: inboundEmails.id })
    .from(inboundEmails)
    .where(and(eq(inboundEmails.organizationId, organizationId), eq(inboundEmails.messageKey, messageKey)));
  return row !== undefined;
}

/** The organisation's live ticket numbered `ticketNumber` (a subject's `[#N]`), with its status. */
export async function findTicketByNumber(db: Queryable, organizationId: string, ticketNumber: number) {
  const [row] = await db
    .select({ ticketId: tickets.id, status: tickets.status })
    .from(tickets)
    .where(
      and(
        eq(tickets.organizationId, organizationId),
        eq(tickets.ticketNumber, ticketNumber),
        isNull(tickets.deletedAt),
      ),
    );
  return row;
}

/**
 * A note on the ticket that an email to its customer bounced, once per bounce report. Written directly,
 * not through the ticket's workflow: a bounce changes no SLA clock.
 */
export async function addBounceNote(
  db: Queryable,
  ticketId: string,
  content: string,
  bounceMessageKey: string,
): Promise<void> {
  const [inserted] = await db
    .insert(ticketMessages)
    .values({ ticketId, type: 'system', content, emailMessageId: bounceMessageKey })
    .onConflictDoNothing({ target: [ticketMessages.ticketId, ticketMessages.emailMessageId] })
    .returning({ id: ticketMessages.id });
  if (inserted) {
    await recordActivity(db, ticketId, null, 'message_added', { messageId: inserted.id, reason: 'bounce' });
  }
}
