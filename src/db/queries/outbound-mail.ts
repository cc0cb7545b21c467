// What outgoing mail needs from the database: the outbox row, the facts the templates show, the recipients.
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { TemplateText, TicketFacts } from '../../domain/mail-facts.js';
import { ADMIN_ROLES, type EmailTemplateKind } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import { newMessageId } from '../ids.js';
import {
  type NewOutboundEmail,
  organizations,
  outboundEmails,
  type Ticket,
  userOrganizations,
  users,
} from '../schema/index.js';
import { findEmailTemplate } from './email-templates.js';
import { type MailSender, mailSender } from './mailboxes.js';
import { peopleAsKnownBy } from './members.js';

export type QueuedEmail = Omit<NewOutboundEmail, 'id' | 'messageId' | 'status' | 'attempts'> & {
  messageId?: string;
};

/**
 * Puts a mail in the outbox inside the caller's transaction, once per idempotency key: asking again
 * (a retried activity) returns the mail queued the first time.
 */
export async function queueEmail(
  db: Queryable,
  mail: QueuedEmail,
): Promise<{ id: string; messageId: string }> {
  const messageId = mail.messageId ?? newMessageId(mail.fromAddress);
  const [inserted] = await db
    .insert(outboundEmails)
    .values({ ...mail, messageId })
    .onConflictDoNothing({ target: [outboundEmails.organizationId, outboundEmails.idempotencyKey] })
    .returning({ id: outboundEmails.id, messageId: outboundEmails.messageId });
  if (inserted) return inserted;
  const [existing] = await db
    .select({ id: outboundEmails.id, messageId: outboundEmails.messageId })
    .from(outboundEmails)
    .where(
      and(
        eq(outboundEmails.organizationId, mail.organizationId),
        eq(outboundEmails.idempotencyKey, mail.idempotencyKey),
      ),
    );
  return existing!;
}

/** An outbox mail, or undefined. */
export async function findOutboundEmail(db: Queryable, organizationId: string, id: string) {
  const [mail] = await db
    .select()
    .from(outboundEmails)
    .where(and(eq(outboundEmails.id, id), eq(outboundEmails.organizationId, organizationId)));
  return mail;
}

/**
 * Records an attempt at a mail not yet sent (`set`: its new status, error, time); the status after, or
 * undefined when it was sent already.
 */
export async function recordDeliveryAttempt(
  db: Queryable,
  organizationId: string,
  id: string,
  set: Partial<NewOutboundEmail>,
) {
  const [updated] = await db
    .update(outboundEmails)
    .set({ ...set, attempts: sql`${outboundEmails.attempts} + 1` })
    .where(
      and(
        eq(outboundEmails.id, id),
        eq(outboundEmails.organizationId, organizationId),
        ne(outboundEmails.status, 'sent'),
      ),
    )
    .returning({ status: outboundEmails.status });
  return updated?.status;
}

/** The outbox row queued under `idempotencyKey`, if any. */
export async function findQueuedEmail(db: Queryable, organizationId: string, idempotencyKey: string) {
  const [queued] = await db
    .select({ id: outboundEmails.id })
    .from(outboundEmails)
    .where(
      and(
        eq(outboundEmails.organizationId, organizationId),
        eq(outboundEmails.idempotencyKey, idempotencyKey),
      ),
    );
  return queued;
}

/** The organisation's name as its emails show it. */
export async function organizationName(db: Queryable, organizationId: string): Promise<string> {
  const [org] = await db
    .select({ name: organizations.name })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  return org?.name ?? '';
}

/** What an email about the ticket says of it: number, title, organisation and people as it knows them. */
export async function ticketFacts(db: Queryable, ticket: Ticket): Promise<TicketFacts> {
  const ids = [ticket.customerId, ...(ticket.assigneeId ? [ticket.assigneeId] : [])];
  const people = await peopleAsKnownBy(db, ticket.organizationId, ids);
  const find = (id: string) => people.get(id)!;
  return {
    ticketNumber: ticket.ticketNumber,
    title: ticket.title,
    organizationName: await organizationName(db, ticket.organizationId),
    customer: find(ticket.customerId),
    assignee: ticket.assigneeId ? find(ticket.assigneeId) : null,
  };
}

/**
 * What an email of `kind` about the ticket needs, read in one round trip: who it leaves from (the ticket's
 * mailbox), what it says of the ticket (with that mailbox's signature) and the organisation's wording.
 */
export async function ticketMailContext(
  db: Queryable,
  ticket: Ticket,
  kind: EmailTemplateKind,
  defaultFrom: string,
): Promise<{ sender: MailSender; facts: TicketFacts; own: TemplateText | null }> {
  const [sender, facts, own] = await Promise.all([
    mailSender(db, ticket.organizationId, defaultFrom, ticket.mailboxId),
    ticketFacts(db, ticket),
    findEmailTemplate(db, ticket.organizationId, kind),
  ]);
  return { sender, facts: { ...facts, signature: sender.signature }, own };
}

/** Who hears about SLA trouble: the organisation's admins and owners, plus its escalation addresses. */
export async function managerAddresses(db: Queryable, organizationId: string): Promise<string[]> {
  const managers = await db
    .select({ email: users.email })
    .from(userOrganizations)
    .innerJoin(users, eq(users.id, userOrganizations.userId))
    .where(
      and(eq(userOrganizations.organizationId, organizationId), inArray(userOrganizations.role, ADMIN_ROLES)),
    );
  const [org] = await db
    .select({ settings: organizations.settings })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const extra = org?.settings?.notifications?.escalationEmails ?? [];
  return [...new Set([...managers.map((m) => m.email.toLowerCase()), ...extra.map((e) => e.toLowerCase())])];
}
