import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { ticketActivities, ticketColumns, ticketMessages, tickets } from '../schema/index.js';

const person = { columns: { id: true, name: true, email: true } } as const;
const people = { customer: person, assignee: person } as const;

const liveTicket = (organizationId: string, ticketId: string) =>
  and(eq(tickets.id, ticketId), eq(tickets.organizationId, organizationId), isNull(tickets.deletedAt));

/** A live ticket with its customer and assignee, or undefined. */
export function findTicketWithPeople(db: Queryable, organizationId: string, ticketId: string) {
  return db.query.tickets.findFirst({
    columns: ticketColumns,
    where: liveTicket(organizationId, ticketId),
    with: people,
  });
}

/** A live ticket with its people, its whole conversation and its activity timeline, oldest first. */
export function findTicketDetail(db: Queryable, organizationId: string, ticketId: string) {
  return db.query.tickets.findFirst({
    columns: ticketColumns,
    where: liveTicket(organizationId, ticketId),
    with: {
      ...people,
      messages: {
        // A message and the acknowledgement it caused share their transaction's timestamp: the
        // system message goes second.
        orderBy: [
          asc(ticketMessages.createdAt),
          sql`${ticketMessages.type} = 'system'`,
          asc(ticketMessages.id),
        ],
        with: { sender: person },
      },
      activities: {
        orderBy: [asc(ticketActivities.createdAt), asc(ticketActivities.id)],
        with: { user: { columns: { id: true, name: true } } },
      },
    },
  });
}

/** One message of a ticket with its sender. */
export function findMessage(db: Queryable, ticketId: string, messageId: string) {
  return db.query.ticketMessages.findFirst({
    where: and(eq(ticketMessages.id, messageId), eq(ticketMessages.ticketId, ticketId)),
    with: { sender: person },
  });
}

export type TicketWithPeople = NonNullable<Awaited<ReturnType<typeof findTicketWithPeople>>>;
export type MessageWithSender = NonNullable<Awaited<ReturnType<typeof findMessage>>>;
