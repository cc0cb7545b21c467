// What ingest asks before it knows the organisation's tenant context (run as admin, every query names
// the organisation) and the one note it writes itself.
import { and, eq, exists, inArray, isNull, or, sql } from 'drizzle-orm';
import { STAFF_ROLES } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import {
  inboundEmails,
  mailboxes,
  ticketMessages,
  ticketParticipants,
  tickets,
  userOrganizations,
  users,
} from '../schema/index.js';
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

/**
 * The organisation's live ticket numbered `ticketNumber` (a subject's `[#N]`), with its status, if
 * `senderAddress` takes part in it: its customer, one of its current followers, or one of the
 * organisation's active staff. A number is easy to guess, so mail from anyone else carrying it must not
 * land in that conversation.
 */
export async function findTicketByNumberFromParticipant(
  db: Queryable,
  organizationId: string,
  ticketNumber: number,
  senderAddress: string,
) {
  const isSender = sql`lower(${users.email}) = ${senderAddress.toLowerCase()}`;
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
              .from(ticketParticipants)
              .where(
                and(
                  eq(ticketParticipants.ticketId, tickets.id),
                  eq(ticketParticipants.email, senderAddress.toLowerCase()),
                  isNull(ticketParticipants.removedAt),
                ),
              ),
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
