// Splitting one message of a ticket into a new ticket of the same organisation: the message moves, the
// source stays open with the rest of its conversation.
import { type AnyColumn, and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { NO_SUBJECT, normalizeSubjectForTitle } from '../../domain/subject.js';
import type { SplitRefusal } from '../../domain/ticket-rules.js';
import type { SplitOutcome } from '../../workflows/contracts.js';
import type { Queryable } from '../client.js';
import { uuidFromName } from '../ids.js';
import { inboundEmails, ticketMessages, tickets, userOrganizations } from '../schema/index.js';
import { addCustomerParticipant } from './participants.js';
import { createTicket, recordActivity } from './tickets.js';

/** The ticket a message is split into: one per message, so a retried request or activity finds it. */
export const splitTicketId = (sourceId: string, messageId: string) =>
  uuidFromName('split-ticket', `${sourceId}:${messageId}`);

/** Whether the message's sender is a customer (or follower) of the organisation, not staff. */
const sentByCustomer = (organizationId: string, senderId: SQL | AnyColumn) =>
  sql<boolean>`exists (select 1 from ${userOrganizations} o where o.user_id = ${senderId} and o.organization_id = ${organizationId} and o.role = 'customer')`;

/**
 * The message `messageId` of ticket `sourceId` and whether it may be split out: not a note or system mail,
 * not the ticket's opening message. A message split out already answers with the ticket it went to.
 */
export async function splitCandidate(
  db: Queryable,
  organizationId: string,
  sourceId: string,
  messageId: string,
) {
  const intoId = splitTicketId(sourceId, messageId);
  const [message] = await db
    .select({
      id: ticketMessages.id,
      ticketId: ticketMessages.ticketId,
      type: ticketMessages.type,
      senderId: ticketMessages.senderId,
      content: ticketMessages.content,
      emailMessageId: ticketMessages.emailMessageId,
      createdAt: ticketMessages.createdAt,
      byCustomer: sentByCustomer(organizationId, ticketMessages.senderId),
      // Nothing but system mail before it (the detail's order: time, then id).
      opening: sql<boolean>`not exists (select 1 from ${ticketMessages} e where e.ticket_id = ${sourceId} and e.type <> 'system' and (e.created_at, e.id) < (${ticketMessages.createdAt}, ${ticketMessages.id}))`,
      ticketNumber: tickets.ticketNumber,
    })
    .from(ticketMessages)
    .innerJoin(tickets, eq(tickets.id, ticketMessages.ticketId))
    .where(
      and(
        eq(ticketMessages.id, messageId),
        eq(tickets.organizationId, organizationId),
        isNull(tickets.deletedAt),
        sql`${ticketMessages.ticketId} in (${sourceId}, ${intoId})`,
      ),
    );
  if (!message) return { refusal: 'message_not_found' as const };
  if (message.ticketId === intoId)
    return { split: { id: intoId, ticketNumber: message.ticketNumber }, message };
  if (message.type === 'internal_note') return { refusal: 'internal_note' as const };
  if (message.type === 'system') return { refusal: 'system_message' as const };
  if (message.opening) return { refusal: 'opening_message' as const };
  return { message };
}

type Candidate = NonNullable<Awaited<ReturnType<typeof splitCandidate>>['message']>;

/**
 * What the split means for the source's next-response clock: when the moved message was the customer's
 * oldest unanswered one, the clock it started (`from`) now belongs to the next unanswered customer message
 * still in the source (`to`, null when none is left). Null when the clock is not the moved message's. Read
 * after the move, so a retried activity answers the same.
 */
async function nextResponseShift(
  db: Queryable,
  organizationId: string,
  sourceId: string,
  moved: Candidate,
): Promise<SplitOutcome['nextResponse']> {
  if (!moved.byCustomer || moved.type !== 'reply') return null;
  const epochMs = (at: SQL) => sql<number | null>`floor(extract(epoch from ${at}) * 1000)::float8`;
  // The source's latest public answer (a reply not by a customer), then its customers' messages since.
  const answered = sql`(select max(a.created_at) from ${ticketMessages} a where a.ticket_id = ${sourceId} and a.type = 'reply' and not ${sentByCustomer(organizationId, sql.raw('a.sender_id'))})`;
  const [row] = await db
    .select({ answeredAt: epochMs(answered), oldestWaiting: epochMs(sql`min(${ticketMessages.createdAt})`) })
    .from(ticketMessages)
    .where(
      and(
        eq(ticketMessages.ticketId, sourceId),
        eq(ticketMessages.type, 'reply'),
        sentByCustomer(organizationId, ticketMessages.senderId),
        sql`${ticketMessages.createdAt} > coalesce(${answered}, '-infinity')`,
      ),
    );
  const from = moved.createdAt.getTime();
  if (row?.answeredAt != null && from <= row.answeredAt) return null;
  const to = row?.oldestWaiting ?? null;
  // An older unanswered message still here keeps its clock.
  if (to !== null && to < from) return null;
  return { from, to };
}

/** The title a split ticket gets unless the agent names it: the email's subject, else the source's title. */
async function titleOf(db: Queryable, organizationId: string, message: Candidate, sourceTitle: string) {
  if (!message.emailMessageId) return sourceTitle;
  const [email] = await db
    .select({ subject: inboundEmails.subject })
    .from(inboundEmails)
    .where(
      and(
        eq(inboundEmails.organizationId, organizationId),
        eq(inboundEmails.messageKey, message.emailMessageId),
      ),
    );
  const title = normalizeSubjectForTitle(email?.subject);
  return title === NO_SUBJECT ? sourceTitle : title;
}

export type SplitWrite = ({ split: true } & SplitOutcome) | { split: false; refusal: SplitRefusal };

/**
 * Moves message `messageId` (with its attachments, which hang off it) out of ticket `sourceId` into a new
 * ticket of the organisation, and records a `split` activity on both. The new ticket's customer is the
 * message's author when a customer or follower wrote it, else the source's customer; it keeps the source's
 * mailbox, priority and channel, and dates from the message (its SLA clocks count the customer's wait).
 * Later mail threaded to the message's Message-ID finds the new ticket, as the message lives there now.
 * Inside the caller's transaction, the source row locked first; a repeat finds the split done.
 */
export async function splitMessage(
  db: Queryable,
  input: { organizationId: string; sourceId: string; messageId: string; actorId: string; title?: string },
): Promise<SplitWrite> {
  const { organizationId, sourceId, messageId, actorId } = input;
  const [source] = await db
    .select({
      id: tickets.id,
      ticketNumber: tickets.ticketNumber,
      title: tickets.title,
      customerId: tickets.customerId,
      priority: tickets.priority,
      channel: tickets.channel,
      mailboxId: tickets.mailboxId,
    })
    .from(tickets)
    .where(
      and(eq(tickets.id, sourceId), eq(tickets.organizationId, organizationId), isNull(tickets.deletedAt)),
    )
    .for('update');
  if (!source) return { split: false, refusal: 'source_not_found' };
  const candidate = await splitCandidate(db, organizationId, sourceId, messageId);
  if (candidate.refusal) return { split: false, refusal: candidate.refusal };
  const { message } = candidate;
  let ticket = candidate.split;
  const customerId = message.byCustomer && message.senderId ? message.senderId : source.customerId;
  const title = input.title ?? (await titleOf(db, organizationId, message, source.title));

  // What the ticket is made of, and what its workflow is started with (opening it finds the row).
  const fields = {
    organizationId,
    customerId,
    title,
    description: message.content,
    priority: source.priority,
    channel: source.channel,
    createdById: actorId,
  };
  if (!ticket) {
    const created = await createTicket(db, {
      ...fields,
      id: splitTicketId(sourceId, messageId),
      mailboxId: source.mailboxId,
      createdAt: message.createdAt,
      lastMessageAt: message.createdAt,
    });
    ticket = { id: created.id, ticketNumber: created.ticketNumber };
    await addCustomerParticipant(db, created, 'agent', actorId);
    await db.update(ticketMessages).set({ ticketId: ticket.id }).where(eq(ticketMessages.id, message.id));
    // The source's latest reply may have been the one that left.
    await db
      .update(tickets)
      .set({
        lastMessageAt: sql`(select max(m.created_at) from ${ticketMessages} m where m.ticket_id = ${sourceId} and m.type = 'reply')`,
        updatedAt: new Date(),
      })
      .where(eq(tickets.id, sourceId));
    await recordActivity(db, sourceId, actorId, 'split', {
      messageId,
      splitIntoId: ticket.id,
      splitIntoNumber: ticket.ticketNumber,
    });
    await recordActivity(db, ticket.id, actorId, 'split', {
      messageId,
      splitFromId: sourceId,
      splitFromNumber: source.ticketNumber,
    });
  }
  return {
    split: true,
    ticket,
    opening: {
      ...fields,
      ticketId: ticket.id,
      createdAt: message.createdAt.toISOString(),
      acknowledge: false,
    },
    nextResponse: await nextResponseShift(db, organizationId, sourceId, message),
  };
}
