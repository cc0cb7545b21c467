import { and, asc, eq, getTableColumns, isNull, sql } from 'drizzle-orm';
import { type Queryable, runStatement } from '../client.js';
import {
  type ActivityMetadata,
  ticketMessages,
  tickets,
  type UserRole,
  userOrganizations,
} from '../schema/index.js';
import { knownPerson } from './members.js';
import { instant, knownName, TICKET_COLUMN_COUNT, TICKET_COLUMNS, ticketFromRow } from './tickets.js';

// The writes' reads (core query builder with joins: the relational builder costs more Node CPU to build
// its nested JSON query than PostgreSQL spends running it); the detail route's are below, by hand.
const customer = knownPerson('customer');
const assignee = knownPerson('assignee');
const sender = knownPerson('sender');
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
        // The sender's role in this organisation (customer, agent…): a follower is a customer, not staff.
        senderRole: sql<UserRole | null>`(select ${userOrganizations.role} from ${userOrganizations} where ${userOrganizations.userId} = ${ticketMessages.senderId} and ${userOrganizations.organizationId} = ${organizationId})`,
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

function withSender({ senderName, senderEmail, senderRole, ...message }: MessageRow) {
  return {
    ...message,
    // A sender id always has its account (left join only for system messages without one).
    sender: message.senderId
      ? { id: message.senderId, name: senderName, email: senderEmail!, role: senderRole }
      : null,
  };
}

// The detail route's three statements, written by hand (drizzle's building cost more than running them).
const DETAIL_TICKET = `select ${TICKET_COLUMNS}, t.description, t.customer_id, ${knownName('c')}, c.email, t.assignee_id, ${knownName('a')}, a.email from "tickets" t join users c on c.id = t.customer_id left join users a on a.id = t.assignee_id where t.id = $1 and t.organization_id = $2 and t.deleted_at is null`;
// A message and the acknowledgement it caused share their transaction's timestamp: the system one goes second.
const DETAIL_MESSAGES = `select m.id, m.type, m.sender_id, ${knownName('s', '$2')}, s.email, (select o.role from user_organizations o where o.user_id = m.sender_id and o.organization_id = $2), m.content, m.content_html, m.attachments, m.created_at from "ticket_messages" m left join users s on s.id = m.sender_id where m.ticket_id = $1 order by m.created_at asc, m.type = 'system', m.id asc`;
const DETAIL_ACTIVITIES = `select a.id, a.action, a.user_id, ${knownName('u', '$2')}, a.metadata, a.created_at from "ticket_activities" a left join users u on u.id = a.user_id where a.ticket_id = $1 order by a.created_at asc, a.id asc`;

/**
 * A live ticket with its people, its whole conversation and its activity timeline, oldest first: three
 * statements sent together (RLS keeps another organisation's messages and activities out).
 */
export async function findTicketDetail(db: Queryable, organizationId: string, ticketId: string) {
  const params = [ticketId, organizationId];
  const [[ticket], messages, activities] = await Promise.all([
    runStatement(db, DETAIL_TICKET, params),
    runStatement(db, DETAIL_MESSAGES, params),
    runStatement(db, DETAIL_ACTIVITIES, params),
  ]);
  if (!ticket) return undefined;
  const [description, customerId, customerName, customerEmail, assigneeId, assigneeName, assigneeEmail] =
    ticket.slice(TICKET_COLUMN_COUNT);
  return {
    ...ticketFromRow(ticket),
    description: description as string,
    customer: { id: customerId as string, name: customerName as string, email: customerEmail as string },
    assignee: assigneeId
      ? { id: assigneeId as string, name: assigneeName as string, email: assigneeEmail as string }
      : null,
    messages: messages.map(
      ([
        id,
        type,
        senderId,
        senderName,
        senderEmail,
        senderRole,
        content,
        contentHtml,
        attachments,
        createdAt,
      ]) => ({
        id: id as string,
        type: type as MessageWithSender['type'],
        // A sender id always has its account (left join only for system messages without one).
        sender: senderId
          ? {
              id: senderId as string,
              name: senderName as string,
              email: senderEmail as string,
              role: senderRole as UserRole | null,
            }
          : null,
        content: content as string,
        contentHtml: contentHtml as string | null,
        attachments: attachments as MessageWithSender['attachments'],
        createdAt: instant(createdAt)!,
      }),
    ),
    activities: activities.map(([id, action, userId, userName, metadata, createdAt]) => ({
      id: id as string,
      action: action as string,
      user: userId ? { id: userId as string, name: userName as string } : null,
      metadata: metadata as ActivityMetadata | null,
      createdAt: instant(createdAt)!,
    })),
  };
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
