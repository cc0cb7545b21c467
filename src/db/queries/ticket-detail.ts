import { and, asc, eq, getTableColumns, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Queryable } from '../client.js';
import { ticketActivities, ticketMessages, tickets, users } from '../schema/index.js';

// Core query builder with joins: the relational builder costs more Node CPU to build its nested JSON
// query than PostgreSQL spends running it.
const customer = alias(users, 'customer');
const assignee = alias(users, 'assignee');
// Every column but the search document (only search reads that, in SQL).
const { searchVector: _searchVector, ...ticketFields } = getTableColumns(tickets);

function selectTicketWithPeople(db: Queryable, organizationId: string, ticketId: string) {
  return db
    .select({
      ...ticketFields,
      customer: { id: customer.id, name: customer.name, email: customer.email },
      assignee: { id: assignee.id, name: assignee.name, email: assignee.email },
    })
    .from(tickets)
    .innerJoin(customer, eq(customer.id, tickets.customerId))
    .leftJoin(assignee, eq(assignee.id, tickets.assigneeId))
    .where(
      and(eq(tickets.id, ticketId), eq(tickets.organizationId, organizationId), isNull(tickets.deletedAt)),
    );
}

function selectMessages(db: Queryable, ticketId: string, messageId?: string) {
  return (
    db
      .select({
        ...getTableColumns(ticketMessages),
        sender: { id: users.id, name: users.name, email: users.email },
      })
      .from(ticketMessages)
      .leftJoin(users, eq(users.id, ticketMessages.senderId))
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
  const [ticket] = await selectTicketWithPeople(db, organizationId, ticketId);
  return ticket;
}

/**
 * A live ticket with its people, its whole conversation and its activity timeline, oldest first: three
 * statements sent together (RLS keeps another organisation's messages and activities out).
 */
export async function findTicketDetail(db: Queryable, organizationId: string, ticketId: string) {
  const [[ticket], messages, activities] = await Promise.all([
    selectTicketWithPeople(db, organizationId, ticketId),
    selectMessages(db, ticketId),
    db
      .select({ ...getTableColumns(ticketActivities), user: { id: users.id, name: users.name } })
      .from(ticketActivities)
      .leftJoin(users, eq(users.id, ticketActivities.userId))
      .where(eq(ticketActivities.ticketId, ticketId))
      .orderBy(asc(ticketActivities.createdAt), asc(ticketActivities.id)),
  ]);
  return ticket && { ...ticket, messages, activities };
}

/** One message of a ticket with its sender. */
export async function findMessage(db: Queryable, ticketId: string, messageId: string) {
  const [message] = await selectMessages(db, ticketId, messageId);
  return message;
}

export type TicketWithPeople = NonNullable<Awaited<ReturnType<typeof findTicketWithPeople>>>;
export type MessageWithSender = NonNullable<Awaited<ReturnType<typeof findMessage>>>;
