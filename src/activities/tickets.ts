import { ApplicationFailure } from '@temporalio/activity';
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { uuidFromName } from '../db/ids.js';
import { recordMessageAttachments } from '../db/queries/attachments.js';
import { recordInboundEmail } from '../db/queries/inbound-emails.js';
import { isAssignable } from '../db/queries/organization-members.js';
import {
  assignTicketWithActivity,
  changeTicketCategory,
  changeTicketPriority,
  changeTicketStatus,
  createTicket,
  findCategory,
  findTicket,
  recordActivity,
  setTicketTags,
} from '../db/queries/tickets.js';
import { organizations, outboundEmails, type Ticket, ticketMessages, tickets } from '../db/schema/index.js';
import type {
  AgentReplyInput,
  ChangeResult,
  CustomerMessageInput,
  InboundRecord,
  OpenedTicket,
  OpenTicketInput,
  TicketChanges,
} from '../workflows/contracts.js';
import { initialSlaState, nextDeadline, transitionError } from '../workflows/ticket-state.js';
import { type ActivityDeps, loadSlaPolicy, senderAddress, ticketFacts } from './context.js';
import { queueEmail } from './outbox.js';
import { acknowledgementMail, replyMail } from './templates.js';

/** A failure retrying cannot fix (bad input); the workflow hands it back to the caller. */
const invalid = (message: string) =>
  ApplicationFailure.create({ message, type: 'InvalidRequest', nonRetryable: true });

const replyMailKey = (messageId: string) => `reply:${messageId}`;

async function requireTicket(tx: Tx, organizationId: string, ticketId: string): Promise<Ticket> {
  const ticket = await findTicket(tx, organizationId, ticketId);
  if (!ticket) throw invalid(`ticket ${ticketId} not found`);
  return ticket;
}

async function recordInbound(
  tx: Tx,
  organizationId: string,
  ticketId: string,
  inbound: InboundRecord,
  outcome: 'ticket_created' | 'message_added',
) {
  await recordInboundEmail(tx, { organizationId, ticketId, outcome, ...inbound });
}

/**
 * Inserts a message of the organisation's ticket with its files recorded in `attachments`, in the
 * caller's transaction. An email already stored on the ticket is not stored again: undefined.
 */
async function insertMessage(
  tx: Tx,
  organizationId: string,
  values: typeof ticketMessages.$inferInsert,
): Promise<string | undefined> {
  const [inserted] = await tx
    .insert(ticketMessages)
    .values(values)
    .onConflictDoNothing({ target: [ticketMessages.ticketId, ticketMessages.emailMessageId] })
    .returning({ id: ticketMessages.id });
  if (inserted) await recordMessageAttachments(tx, organizationId, inserted.id, values.attachments ?? []);
  return inserted?.id;
}

export function createTicketActivities({ db, defaultFrom }: ActivityDeps) {
  return {
    /** Creates the ticket, its first message, ledger entry and acknowledgement; a repeat returns the first result. */
    async openTicket(input: OpenTicketInput): Promise<OpenedTicket> {
      return db.withTenant({ organizationId: input.organizationId }, async (tx) => {
        let ticket = await findTicket(tx, input.organizationId, input.ticketId);
        if (!ticket) {
          ticket = await createTicket(tx, {
            id: input.ticketId,
            organizationId: input.organizationId,
            customerId: input.customerId,
            title: input.title,
            description: input.description,
            priority: input.priority,
            channel: input.channel,
            tags: input.tags ?? [],
            assigneeId: input.assigneeId ?? null,
            createdById: input.createdById ?? input.customerId,
            ...(input.createdAt ? { createdAt: new Date(input.createdAt) } : {}),
          });
          if (input.relatedTicketId) {
            await recordActivity(tx, ticket.id, null, 'created', {
              reason: `continues ticket ${input.relatedTicketId}`,
            });
          }
          if (input.message) {
            await insertMessage(tx, input.organizationId, {
              ticketId: ticket.id,
              senderId: input.createdById ?? input.customerId,
              content: input.message.content,
              originalContent: input.message.originalContent ?? null,
              contentHtml: input.message.contentHtml ?? null,
              emailMessageId: input.message.emailMessageId ?? null,
              attachments: input.message.attachments ?? [],
            });
          }
          if (input.inbound)
            await recordInbound(tx, input.organizationId, ticket.id, input.inbound, 'ticket_created');
        }
        let acknowledgementId: string | null = null;
        if (input.acknowledge) {
          const from = await senderAddress(tx, input.organizationId, defaultFrom);
          const facts = await ticketFacts(tx, ticket);
          const mail = acknowledgementMail(facts);
          // A synthetic key (email without a Message-ID) is ours, not an id the customer's mail knows.
          const emailId = input.message?.emailMessageId;
          const customerMessageId = emailId && !emailId.startsWith('sha256:') ? emailId : null;
          const queued = await queueEmail(tx, {
            organizationId: input.organizationId,
            ticketId: ticket.id,
            kind: 'acknowledgement',
            idempotencyKey: `ack:${ticket.id}`,
            fromAddress: from,
            replyTo: from,
            toAddresses: [facts.customer.email],
            subject: mail.subject,
            textBody: mail.text,
            headers: mail.headers,
            inReplyTo: customerMessageId,
            references: customerMessageId ? [customerMessageId] : [],
          });
          acknowledgementId = queued.id;
          // Stored like every outbound Message-ID, so a reply to the acknowledgement threads here.
          await tx
            .insert(ticketMessages)
            .values({
              ticketId: ticket.id,
              content: mail.text,
              type: 'system',
              emailMessageId: queued.messageId,
            })
            .onConflictDoNothing({ target: [ticketMessages.ticketId, ticketMessages.emailMessageId] });
        }
        const createdAt = ticket.createdAt.getTime();
        const policy = await loadSlaPolicy(tx, input.organizationId, ticket.priority);
        // The first deadline goes in with the ticket, which saves the workflow a transaction of its own.
        const slaDeadline = nextDeadline(initialSlaState(createdAt, ticket.status, ticket.priority, policy));
        await tx
          .update(tickets)
          .set({ slaDeadline: slaDeadline === null ? null : new Date(slaDeadline) })
          .where(eq(tickets.id, ticket.id));
        return {
          ticketNumber: ticket.ticketNumber,
          createdAt,
          status: ticket.status,
          priority: ticket.priority,
          policy,
          acknowledgementId,
          slaDeadline,
        };
      });
    },

    /** A public reply (queued to the customer, threaded) or an internal note. */
    async addAgentMessage(
      input: AgentReplyInput & { ticketId: string; organizationId: string; idempotencyKey: string },
    ): Promise<{ messageId: string; emailMessageId: string | null; outboundId: string | null }> {
      const { organizationId, ticketId } = input;
      return db.withTenant({ organizationId, userId: input.authorId }, async (tx) => {
        const ticket = await requireTicket(tx, organizationId, ticketId);
        const messageId = uuidFromName('agent-message', `${ticketId}:${input.idempotencyKey}`);
        const [existing] = await tx.select().from(ticketMessages).where(eq(ticketMessages.id, messageId));
        if (existing) {
          // Written by an attempt whose workflow task was lost (worker killed after the commit): its email
          // is still to be delivered by this run, so hand back its outbox row (delivery sends it once).
          const [queued] = await tx
            .select({ id: outboundEmails.id })
            .from(outboundEmails)
            .where(
              and(
                eq(outboundEmails.organizationId, organizationId),
                eq(outboundEmails.idempotencyKey, replyMailKey(messageId)),
              ),
            );
          return { messageId, emailMessageId: existing.emailMessageId, outboundId: queued?.id ?? null };
        }
        let outbound: { id: string; messageId: string } | null = null;
        if (!input.internal) {
          const from = await senderAddress(tx, organizationId, defaultFrom);
          const thread = await tx
            .select({ id: ticketMessages.emailMessageId })
            .from(ticketMessages)
            .where(and(eq(ticketMessages.ticketId, ticketId), isNotNull(ticketMessages.emailMessageId)))
            .orderBy(asc(ticketMessages.createdAt));
          const references = thread.map((m) => m.id!).slice(-20);
          const facts = await ticketFacts(tx, ticket);
          const mail = replyMail(facts, input.content);
          outbound = await queueEmail(tx, {
            organizationId,
            ticketId,
            kind: 'reply',
            idempotencyKey: replyMailKey(messageId),
            fromAddress: from,
            replyTo: from,
            toAddresses: [facts.customer.email],
            subject: mail.subject,
            textBody: mail.text,
            inReplyTo: references.at(-1) ?? null,
            references,
            attachments: (input.attachments ?? []).map((a) => ({
              filename: a.filename,
              contentType: a.mimeType,
              storageKey: a.storageKey ?? a.url,
            })),
          });
        }
        await insertMessage(tx, organizationId, {
          id: messageId,
          ticketId,
          senderId: input.authorId,
          content: input.content,
          type: input.internal ? 'internal_note' : 'reply',
          attachments: input.attachments ?? [],
          emailMessageId: outbound?.messageId ?? null,
        });
        if (!input.internal) {
          await tx
            .update(tickets)
            .set({ firstResponseAt: sql`coalesce(${tickets.firstResponseAt}, now())`, updatedAt: new Date() })
            .where(eq(tickets.id, ticketId));
        }
        await recordActivity(tx, ticketId, input.authorId, 'message_added', {
          messageId,
          reason: input.internal ? 'internal note' : 'reply',
        });
        return { messageId, emailMessageId: outbound?.messageId ?? null, outboundId: outbound?.id ?? null };
      });
    },

    /** Stores a customer's message once, however often the same email arrives. */
    async addCustomerMessage(input: {
      ticketId: string;
      organizationId: string;
      message: CustomerMessageInput;
    }): Promise<{ messageId: string; duplicate: boolean }> {
      const { organizationId, ticketId, message } = input;
      return db.withTenant({ organizationId }, async (tx) => {
        await requireTicket(tx, organizationId, ticketId);
        const insertedId = await insertMessage(tx, organizationId, {
          ticketId,
          senderId: message.senderId,
          content: message.content,
          originalContent: message.originalContent ?? null,
          contentHtml: message.contentHtml ?? null,
          emailMessageId: message.emailMessageId ?? null,
          attachments: message.attachments ?? [],
        });
        if (message.inbound)
          await recordInbound(tx, organizationId, ticketId, message.inbound, 'message_added');
        if (!insertedId) {
          const [existing] = await tx
            .select({ id: ticketMessages.id })
            .from(ticketMessages)
            .where(
              and(
                eq(ticketMessages.ticketId, ticketId),
                eq(ticketMessages.emailMessageId, message.emailMessageId!),
              ),
            );
          return { messageId: existing!.id, duplicate: true };
        }
        await tx.update(tickets).set({ updatedAt: new Date() }).where(eq(tickets.id, ticketId));
        await recordActivity(tx, ticketId, message.senderId, 'message_added', {
          messageId: insertedId,
          reason: 'customer',
        });
        return { messageId: insertedId, duplicate: false };
      });
    },

    /** Status, priority, assignee and tags in one transaction, each with its activity row. */
    async applyTicketChanges(input: {
      ticketId: string;
      organizationId: string;
      changes: TicketChanges;
    }): Promise<ChangeResult> {
      const { organizationId, ticketId, changes } = input;
      return db.withTenant({ organizationId, userId: changes.actorId }, async (tx) => {
        let ticket = await requireTicket(tx, organizationId, ticketId);
        const actor = changes.actorId;
        let policy: ChangeResult['policy'];
        const resolved = changes.status === 'resolved' && ticket.status !== 'resolved';
        if (changes.status && changes.status !== ticket.status) {
          const error = transitionError(ticket.status, changes.status);
          if (error) throw invalid(error);
          ticket = (await changeTicketStatus(tx, organizationId, ticketId, changes.status, actor))!;
        }
        if (changes.priority && changes.priority !== ticket.priority) {
          ticket = (await changeTicketPriority(tx, organizationId, ticketId, changes.priority, actor))!;
          policy = await loadSlaPolicy(tx, organizationId, ticket.priority);
        }
        if (changes.assigneeId !== undefined && changes.assigneeId !== ticket.assigneeId) {
          if (changes.assigneeId !== null) await requireAgent(tx, organizationId, changes.assigneeId);
          ticket = (await assignTicketWithActivity(tx, organizationId, ticketId, changes.assigneeId, actor))!;
        }
        if (changes.tags) ticket = (await setTicketTags(tx, organizationId, ticketId, changes.tags, actor))!;
        if (changes.categoryId !== undefined && changes.categoryId !== ticket.categoryId) {
          if (changes.categoryId !== null && !(await findCategory(tx, organizationId, changes.categoryId)))
            throw invalid('categoryId must be a category of this organisation');
          ticket = (await changeTicketCategory(tx, organizationId, ticketId, changes.categoryId, actor))!;
        }
        const surveyDelayMinutes = resolved ? await surveyDelay(tx, organizationId) : undefined;
        return {
          ticketId,
          ticketNumber: ticket.ticketNumber,
          status: ticket.status,
          priority: ticket.priority,
          policy,
          ...(surveyDelayMinutes === undefined ? {} : { surveyDelayMinutes }),
        };
      });
    },
  };
}

/** Minutes from resolving to the satisfaction survey, read when resolving so a settings change applies at once. */
async function surveyDelay(tx: Tx, organizationId: string): Promise<number | undefined> {
  const [org] = await tx
    .select({ settings: organizations.settings })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  return org?.settings?.satisfactionSurvey?.delayMinutes;
}

async function requireAgent(tx: Tx, organizationId: string, userId: string) {
  if (!(await isAssignable(tx, organizationId, userId)))
    throw invalid('assignee must be an active agent of this organisation');
}
