// A ticket's messages as the workflow's activities write them (reads for the API are in ticket-detail.ts).
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { ticketMessages, tickets } from '../schema/index.js';
import { recordMessageAttachments } from './attachments.js';

const oncePerEmail = { target: [ticketMessages.ticketId, ticketMessages.emailMessageId] };

/**
 * Inserts a message of the organisation's ticket with its files recorded in `attachments`, in the
 * caller's transaction. An email already stored on the ticket is not stored again: undefined.
 */
export async function insertMessage(
  db: Queryable,
  organizationId: string,
  values: typeof ticketMessages.$inferInsert,
): Promise<string | undefined> {
  const [inserted] = await db
    .insert(ticketMessages)
    .values(values)
    .onConflictDoNothing(oncePerEmail)
    .returning({ id: ticketMessages.id });
  if (inserted) await recordMessageAttachments(db, organizationId, inserted.id, values.attachments ?? []);
  return inserted?.id;
}

/** Stores the text of a mail the system sent under its Message-ID, so a reply to it threads here. */
export async function insertSystemMessage(
  db: Queryable,
  ticketId: string,
  content: string,
  emailMessageId: string,
) {
  await db
    .insert(ticketMessages)
    .values({ ticketId, content, type: 'system', emailMessageId })
    .onConflictDoNothing(oncePerEmail);
}

export async function findMessage(db: Queryable, messageId: string) {
  const [message] = await db.select().from(ticketMessages).where(eq(ticketMessages.id, messageId));
  return message;
}

/** The ticket's message stored for the email `emailMessageId`, if any. */
export async function findMessageOfEmail(db: Queryable, ticketId: string, emailMessageId: string) {
  const [message] = await db
    .select({ id: ticketMessages.id, createdAt: ticketMessages.createdAt })
    .from(ticketMessages)
    .where(and(eq(ticketMessages.ticketId, ticketId), eq(ticketMessages.emailMessageId, emailMessageId)));
  return message;
}

/** The Message-IDs of the ticket's emails, oldest first: a reply's References. */
export async function threadMessageIds(db: Queryable, ticketId: string): Promise<string[]> {
  const thread = await db
    .select({ id: ticketMessages.emailMessageId })
    .from(ticketMessages)
    .where(and(eq(ticketMessages.ticketId, ticketId), isNotNull(ticketMessages.emailMessageId)))
    .orderBy(asc(ticketMessages.createdAt));
  return thread.map((m) => m.id!);
}

/** A message was added: the ticket is updated now, and answered for the first time unless it was already. */
export async function touchTicket(db: Queryable, ticketId: string, opts: { answered: boolean }) {
  const now = new Date();
  await db
    .update(tickets)
    .set({
      ...(opts.answered ? { firstResponseAt: sql`coalesce(${tickets.firstResponseAt}, now())` } : {}),
      lastMessageAt: now,
      updatedAt: now,
    })
    .where(eq(tickets.id, ticketId));
}
