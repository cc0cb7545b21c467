import { ApplicationFailure } from '@temporalio/activity';
import type { Tx } from '../db/client.js';
import { uuidFromName } from '../db/ids.js';
import { recordInboundEmail } from '../db/queries/inbound-emails.js';
import { fromSender } from '../db/queries/mailboxes.js';
import { personAsKnownBy } from '../db/queries/members.js';
import {
  findMessage,
  findMessageOfEmail,
  insertMessage,
  insertSystemMessage,
  threadMessageIds,
  touchTicket,
} from '../db/queries/messages.js';
import { resolveSettings } from '../db/queries/organizations.js';
import { findQueuedEmail, queueEmail, ticketMailContext } from '../db/queries/outbound-mail.js';
import { addCustomerParticipant, addEmailFollowers, ccAddresses } from '../db/queries/participants.js';
import { setTicketSlaDeadline } from '../db/queries/sla-breaches.js';
import { loadSlaPolicy } from '../db/queries/sla-policies.js';
import { ticketChangeRefusal } from '../db/queries/ticket-rules.js';
import {
  assignTicketWithActivity,
  changeTicketCategory,
  changeTicketPriority,
  changeTicketStatus,
  createTicket,
  findTicket,
  lastActivity,
  recordActivity,
  setTicketTags,
} from '../db/queries/tickets.js';
import type { Ticket } from '../db/schema/index.js';
import { findMentions } from '../domain/notifications.js';
import { acknowledgementMail, replyMail, resolutionNoticeMail } from '../mail/templates.js';
import type {
  AgentReplyInput,
  AppliedChanges,
  CustomerMessageInput,
  InboundRecord,
  OpenedTicket,
  OpenTicketInput,
  TicketChanges,
} from '../workflows/contracts.js';
import { initialSlaState, nextDeadline, transitionError } from '../workflows/ticket-state.js';
import type { ActivityDeps } from './context.js';
import { notificationField, queueNotifications } from './notifications.js';

/** A failure retrying cannot fix (bad input); the workflow hands it back to the caller. */
export const invalid = (message: string) =>
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
 * The customer's notice of the ticket's latest resolving (once per resolving: its activity names the mail).
 * `send` false only finds the notice an earlier attempt queued. Its Message-ID is stored like the
 * acknowledgement's, so the customer's answer threads in and reopens the ticket.
 */
async function queueResolutionNotice(
  tx: Tx,
  ticket: Ticket,
  defaultFrom: string,
  send: boolean,
): Promise<string | null> {
  const resolving = await lastActivity(tx, ticket.id, 'resolved');
  if (!resolving) return null;
  const idempotencyKey = `resolution:${resolving.id}`;
  if (!send) return (await findQueuedEmail(tx, ticket.organizationId, idempotencyKey))?.id ?? null;
  const { sender, facts, own } = await ticketMailContext(tx, ticket, 'resolution_notice', defaultFrom);
  const mail = resolutionNoticeMail(facts, own);
  const references = (await threadMessageIds(tx, ticket.id)).slice(-20);
  const queued = await queueEmail(tx, {
    organizationId: ticket.organizationId,
    ticketId: ticket.id,
    kind: 'resolution_notice',
    idempotencyKey,
    ...fromSender(sender),
    toAddresses: [facts.customer.email],
    subject: mail.subject,
    textBody: mail.text,
    headers: mail.headers,
    inReplyTo: references.at(-1) ?? null,
    references,
  });
  await insertSystemMessage(tx, ticket.id, mail.text, queued.messageId);
  return queued.id;
}

export function createTicketActivities(deps: ActivityDeps) {
  const { db, defaultFrom } = deps;
  return {
    /** Creates the ticket, its first message, ledger entry and acknowledgement; a repeat returns the first result. */
    async openTicket(input: OpenTicketInput): Promise<OpenedTicket> {
      return db.withTenant({ organizationId: input.organizationId }, async (tx) => {
        let ticket = await findTicket(tx, input.organizationId, input.ticketId);
        const retried = Boolean(ticket);
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
            // The mailbox the conversation came in through: the inbox filters by it.
            mailboxId: input.inbound?.mailboxId ?? null,
            createdById: input.createdById ?? input.customerId,
            ...(input.createdAt ? { createdAt: new Date(input.createdAt) } : {}),
            // The first message is the conversation's first reply (the customer's, as a rule).
            ...(input.message
              ? { lastMessageAt: input.createdAt ? new Date(input.createdAt) : new Date() }
              : {}),
          });
          // Opened by an agent (API), or by the customer's own mail.
          const addedBy = input.createdById ?? null;
          await addCustomerParticipant(tx, ticket, addedBy ? 'agent' : 'email', addedBy);
          await addEmailFollowers(
            tx,
            input.organizationId,
            ticket.id,
            input.customerId,
            input.followers ?? [],
          );
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
          const { sender, facts, own } = await ticketMailContext(tx, ticket, 'acknowledgement', defaultFrom);
          const mail = acknowledgementMail(facts, own);
          // A synthetic key (email without a Message-ID) is ours, not an id the customer's mail knows.
          const emailId = input.message?.emailMessageId;
          const customerMessageId = emailId && !emailId.startsWith('sha256:') ? emailId : null;
          const queued = await queueEmail(tx, {
            organizationId: input.organizationId,
            ticketId: ticket.id,
            kind: 'acknowledgement',
            idempotencyKey: `ack:${ticket.id}`,
            ...fromSender(sender),
            toAddresses: [facts.customer.email],
            subject: mail.subject,
            textBody: mail.text,
            headers: mail.headers,
            inReplyTo: customerMessageId,
            references: customerMessageId ? [customerMessageId] : [],
          });
          acknowledgementId = queued.id;
          // Stored like every outbound Message-ID, so a reply to the acknowledgement threads here.
          await insertSystemMessage(tx, ticket.id, mail.text, queued.messageId);
        }
        // The assignee (unless they opened it themselves), or the staff when nobody is assigned yet.
        const notificationIds = await queueNotifications(tx, deps, {
          ticket,
          facts: { event: 'newTicket' },
          actorId: input.createdById ?? null,
          at: ticket.createdAt,
          queuedOnly: retried,
        });
        const createdAt = ticket.createdAt.getTime();
        const policy = await loadSlaPolicy(tx, input.organizationId, ticket.priority);
        // The first deadline goes in with the ticket, which saves the workflow a transaction of its own.
        const slaDeadline = nextDeadline(initialSlaState(createdAt, ticket.status, ticket.priority, policy));
        await setTicketSlaDeadline(
          tx,
          input.organizationId,
          ticket.id,
          slaDeadline === null ? null : new Date(slaDeadline),
        );
        return {
          ticketNumber: ticket.ticketNumber,
          createdAt,
          status: ticket.status,
          priority: ticket.priority,
          policy,
          acknowledgementId,
          ...notificationField(notificationIds),
          slaDeadline,
        };
      });
    },

    /** A public reply (queued to the customer, threaded) or an internal note. */
    async addAgentMessage(
      input: AgentReplyInput & { ticketId: string; organizationId: string; idempotencyKey: string },
    ): Promise<{
      messageId: string;
      emailMessageId: string | null;
      outboundId: string | null;
      notificationIds?: string[];
    }> {
      const { organizationId, ticketId } = input;
      return db.withTenant({ organizationId, userId: input.authorId }, async (tx) => {
        const ticket = await requireTicket(tx, organizationId, ticketId);
        const messageId = uuidFromName('agent-message', `${ticketId}:${input.idempotencyKey}`);
        // The staff a note mentions by `@name` hear of it; a public reply tells nobody (they see it sent).
        const mentions = async (at: Date, queuedOnly: boolean) => {
          if (!input.internal) return [];
          const author = await personAsKnownBy(tx, organizationId, input.authorId);
          return queueNotifications(tx, deps, {
            ticket,
            facts: { event: 'mention', by: author?.name ?? 'A colleague', excerpt: input.content },
            actorId: input.authorId,
            at,
            concerns: (staff) => findMentions(input.content, staff),
            queuedOnly,
          });
        };
        const existing = await findMessage(tx, messageId);
        if (existing) {
          // Written by an attempt whose workflow task was lost (worker killed after the commit): its email
          // is still to be delivered by this run, so hand back its outbox row (delivery sends it once).
          const queued = await findQueuedEmail(tx, organizationId, replyMailKey(messageId));
          return {
            messageId,
            emailMessageId: existing.emailMessageId,
            outboundId: queued?.id ?? null,
            ...notificationField(await mentions(existing.createdAt, true)),
          };
        }
        let outbound: { id: string; messageId: string } | null = null;
        if (!input.internal) {
          const references = (await threadMessageIds(tx, ticketId)).slice(-20);
          const { sender, facts, own } = await ticketMailContext(tx, ticket, 'reply', defaultFrom);
          const mail = replyMail(facts, input.content, own);
          outbound = await queueEmail(tx, {
            organizationId,
            ticketId,
            kind: 'reply',
            idempotencyKey: replyMailKey(messageId),
            ...fromSender(sender),
            toAddresses: [facts.customer.email],
            ccAddresses: await ccAddresses(tx, organizationId, ticketId, sender.address),
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
        if (!input.internal) await touchTicket(tx, ticketId, { answered: true });
        await recordActivity(tx, ticketId, input.authorId, 'message_added', {
          messageId,
          reason: input.internal ? 'internal note' : 'reply',
        });
        const stored = await findMessage(tx, messageId);
        return {
          messageId,
          emailMessageId: outbound?.messageId ?? null,
          outboundId: outbound?.id ?? null,
          ...notificationField(await mentions(stored!.createdAt, false)),
        };
      });
    },

    /** Stores a customer's message once, however often the same email arrives. */
    async addCustomerMessage(input: {
      ticketId: string;
      organizationId: string;
      message: CustomerMessageInput;
    }): Promise<{ messageId: string; duplicate: boolean; notificationIds?: string[] }> {
      const { organizationId, ticketId, message } = input;
      return db.withTenant({ organizationId }, async (tx) => {
        const ticket = await requireTicket(tx, organizationId, ticketId);
        const notify = (at: Date, queuedOnly: boolean) =>
          queueNotifications(tx, deps, {
            ticket,
            facts: { event: 'customerReply', excerpt: message.content },
            actorId: message.senderId,
            at,
            queuedOnly,
          });
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
        // Before the duplicate check: a message stored before this attempt's followers adds the ones missing.
        await addEmailFollowers(tx, organizationId, ticketId, message.senderId, message.followers ?? []);
        if (!insertedId) {
          const existing = await findMessageOfEmail(tx, ticketId, message.emailMessageId!);
          // The first attempt may have committed and lost its workflow task: its notifications still go.
          return {
            messageId: existing!.id,
            duplicate: true,
            ...notificationField(await notify(existing!.createdAt, true)),
          };
        }
        await touchTicket(tx, ticketId, { answered: false });
        await recordActivity(tx, ticketId, message.senderId, 'message_added', {
          messageId: insertedId,
          reason: 'customer',
        });
        const stored = await findMessage(tx, insertedId);
        return {
          messageId: insertedId,
          duplicate: false,
          ...notificationField(await notify(stored!.createdAt, false)),
        };
      });
    },

    /** Status, priority, assignee and tags in one transaction, each with its activity row. */
    async applyTicketChanges(input: {
      ticketId: string;
      organizationId: string;
      changes: TicketChanges;
    }): Promise<AppliedChanges> {
      const { organizationId, ticketId, changes } = input;
      return db.withTenant({ organizationId, userId: changes.actorId }, async (tx) => {
        let ticket = await requireTicket(tx, organizationId, ticketId);
        const assigneeBefore = ticket.assigneeId;
        const actor = changes.actorId;
        let policy: AppliedChanges['policy'];
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
          const refusal = await ticketChangeRefusal(tx, organizationId, { assigneeId: changes.assigneeId });
          if (refusal) throw invalid(refusal);
          ticket = (await assignTicketWithActivity(tx, organizationId, ticketId, changes.assigneeId, actor))!;
        }
        const assignedTo = changes.assigneeId === undefined ? null : ticket.assigneeId;
        // Also when the assignee was already set: a retry whose first attempt committed finds its mail.
        const assignedAt = assignedTo && (await lastActivity(tx, ticketId, 'assigned'))?.at;
        const notificationIds = assignedAt
          ? await queueNotifications(tx, deps, {
              ticket,
              facts: {
                event: 'assigned',
                by: actor ? ((await personAsKnownBy(tx, organizationId, actor))?.name ?? null) : null,
              },
              actorId: actor,
              at: assignedAt,
              concerns: () => [assignedTo],
              queuedOnly: changes.assigneeId === assigneeBefore,
            })
          : [];
        if (changes.tags) ticket = (await setTicketTags(tx, organizationId, ticketId, changes.tags, actor))!;
        if (changes.categoryId !== undefined && changes.categoryId !== ticket.categoryId) {
          const refusal = await ticketChangeRefusal(tx, organizationId, { categoryId: changes.categoryId });
          if (refusal) throw invalid(refusal);
          ticket = (await changeTicketCategory(tx, organizationId, ticketId, changes.categoryId, actor))!;
        }
        const onResolve = resolved ? await resolveSettings(tx, organizationId) : undefined;
        // Also when already resolved: a retry whose first attempt committed finds the notice it queued.
        const customerNoticeId =
          changes.status === 'resolved' && ticket.status === 'resolved'
            ? await queueResolutionNotice(tx, ticket, defaultFrom, onResolve?.resolutionNotice ?? false)
            : null;
        return {
          ticketId,
          ticketNumber: ticket.ticketNumber,
          status: ticket.status,
          priority: ticket.priority,
          policy,
          ...(onResolve?.surveyDelayMinutes === undefined
            ? {}
            : { surveyDelayMinutes: onResolve.surveyDelayMinutes }),
          ...notificationField(notificationIds),
          ...(customerNoticeId ? { customerNoticeId } : {}),
        };
      });
    },
  };
}
