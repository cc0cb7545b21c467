import { and, asc, eq, getTableColumns, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { ticketActivities, ticketMessages, tickets } from '../schema/index.js';
import { knownPerson } from './organization-members.js';

// Core query builder with joins: the relational builder costs more Node CPU to build its nested JSON
// query than PostgreSQL spends running it.
const customer = knownPerson('customer');
const assignee = knownPerson('assignee');
const sender = knownPerson('sender');
const actor = knownPerson('actor');
// Every column but the search document (only search reads that, in SQL).
const { searchVector: _searchVector, ...ticketFields } = getTableColumns(tickets);

function selectTicketWithPeople(db: Queryable, organizationId: string, ticketId: string) {
  return db
    .select({
      ...ticketFields,
      customerName: customer.nameIn(tickets.organizationId),
      customerEmail: customer.user.email,
      assigneeName: assignee.nameIn(tickets.organizationId),
      assigneeEmail: assignee.user.email,
    })
    .from(tickets)
    .innerJoin(customer.user, eq(customer.user.id, tickets.customerId))
    .leftJoin(assignee.user, eq(assignee.user.id, tickets.assigneeId))
    .where(
      and(eq(tickets.id, ticketId), eq(tickets.organizationId, organizationId), isNull(tickets.deletedAt)),
    );
}

function selectMessages(db: Queryable, organizationId: string, ticketId: string, messageId?: string) {
  return (
    db
      .select({
        ...getTableColumns(ticketMessages),
        senderName: sender.nameIn(organizationId),
        senderEmail: sender.user.email,
      })
      .from(ticketMessages)
      .leftJoin(sender.user, eq(sender.user.id, ticketMessages.senderId))
      .where(
        and(
          eq(ticketMessages.ticketId, ticketId),
          messageId === undefined ? undefined : eq(ticketMessages.id, messageId),
        ),
      )
      // A message and the acknowledgement it caused share their transaction's timestamp: the system
      // message goes second.
      .orderBy(asc(ticketMessages.createdAt), sql`${ticketMessages.type} = 'system'`, asc(ticketMessages.id))
  );
}

/** A live ticket with its customer and assignee, or undefined. */
export async function findTicketWithPeople(db: Queryable, organizationId: string, ticketId: string) {
  const [row] = await selectTicketWithPeople(db, organizationId, ticketId);
  if (!row) return undefined;
  const { customerName, customerEmail, assigneeName, assigneeEmail, ...ticket } = row;
  return {
    ...ticket,
    customer: { id: ticket.customerId, name: customerName, email: customerEmail },
    assignee: ticket.assigneeId ? { id: ticket.assigneeId, name: assigneeName, email: assigneeEmail! } : null,
  };
}

type MessageRow = Awaited<ReturnType<typeof selectMessages>>[number];

function withSender({ senderName, senderEmail, ...message }: MessageRow) {
  return {
    ...message,
    // A sender id always has its account (left join only for system messages without one).
    sender: message.senderId ? { id: message.senderId, name: senderName, email: senderEmail! } : null,
  };
}

/**
 * A live ticket with its people, its whole conversation and its activity timeline, oldest first: three
 * statements sent together (RLS keeps another organisation's messages and activities out).
 */
export async function findTicketDetail(db: Queryable, organizationId: string, ticketId: string) {
  const [ticket, messages, activities] = await Promise.all([
    findTicketWithPeople(db, organizationId, ticketId),
    selectMessages(db, organizationId, ticketId),
    db
      .select({ ...getTableColumns(ticketActivities), actorName: actor.nameIn(organizationId) })
      .from(ticketActivities)
      .leftJoin(actor.user, eq(actor.user.id, ticketActivities.userId))
      .where(eq(ticketActivities.ticketId, ticketId))
      .orderBy(asc(ticketActivities.createdAt), asc(ticketActivities.id)),
  ]);
  return (
    ticket && {
      ...ticket,
      messages: messages.map(withSender),
      activities: activities.map(({ actorName, ...activity }) => ({
        ...activity,
        user: activity.userId ? { id: activity.userId, name: actorName } : null,
      })),
    }
  );
}

/** One message of a ticket with its sender. */
export async function findMessage(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  messageId: string,
) {
  const [message] = await selectMessages(db, organizationId, ticketId, messageId);
  return message && withSender(message);
}

export type TicketWithPeople = NonNullable<Awaited<ReturnType<typeof findTicketWithPeople>>>;
export type MessageWithSender = NonNullable<Awaited<ReturnType<typeof findMessage>>>;
