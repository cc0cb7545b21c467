// Agents' emails about their tickets, queued in the transaction of the event they report (so a crash
// never loses or doubles one) and coalesced: one mail per person, ticket and window.
import { DEFAULTS } from '../config.js';
import type { Tx } from '../db/client.js';
import { fromSender } from '../db/queries/mailboxes.js';
import { type StaffAudience, staffAudience } from '../db/queries/notifications.js';
import { findQueuedEmail, queueEmail, ticketMailContext } from '../db/queries/outbound-mail.js';
import type { Ticket } from '../db/schema/index.js';
import { notificationWindow, wantsNotification } from '../domain/notifications.js';
import { MINUTE_MS } from '../domain/vocabulary.js';
import { NOTIFICATION_TEMPLATES, type NotificationFacts, notificationMail } from '../mail/templates.js';
import type { ActivityDeps } from './context.js';

export interface NotificationCause {
  ticket: Ticket;
  facts: NotificationFacts;
  /** Who caused the event: never told about their own doing. */
  actorId: string | null;
  /** When the event was stored: a retry of the same event falls in the same window. */
  at: Date;
  /** Who the event concerns (the mentioned); absent: the assignee, or every staff member when unassigned. */
  concerns?: (staff: StaffAudience['staff']) => string[];
  /**
   * A retried event (its first attempt may have committed and lost its workflow task): hand back what
   * the window queued, queue nothing new.
   */
  queuedOnly?: boolean;
}

/** The results' field the workflow delivers; left out when empty, as results were before there was one. */
export const notificationField = (ids: string[]): { notificationIds?: string[] } =>
  ids.length ? { notificationIds: ids } : {};

/** Queues the cause's notifications; returns the outbox ids to deliver (one already sent is a no-op). */
export async function queueNotifications(
  tx: Tx,
  deps: ActivityDeps,
  cause: NotificationCause,
): Promise<string[]> {
  const { ticket, facts, actorId } = cause;
  const audience = await staffAudience(tx, ticket.organizationId);
  const concerned = new Set(
    cause.concerns?.(audience.staff) ??
      (ticket.assigneeId ? [ticket.assigneeId] : audience.staff.map((s) => s.userId)),
  );
  const recipients = audience.staff.filter(
    (s) =>
      concerned.has(s.userId) &&
      s.userId !== actorId &&
      wantsNotification(facts.event, s.preferences, audience.defaults),
  );
  if (!recipients.length) return [];
  const window = notificationWindow(
    cause.at.getTime(),
    deps.notificationWindowMs ?? DEFAULTS.notificationWindowMinutes * MINUTE_MS,
  );
  const key = (userId: string) => `notify:${userId}:${ticket.id}:${window}`;
  if (cause.queuedOnly) {
    const queued = await Promise.all(
      recipients.map((r) => findQueuedEmail(tx, ticket.organizationId, key(r.userId))),
    );
    return queued.flatMap((q) => (q ? [q.id] : []));
  }
  const {
    sender,
    facts: ticketWords,
    own,
  } = await ticketMailContext(tx, ticket, NOTIFICATION_TEMPLATES[facts.event], deps.defaultFrom);
  const ids: string[] = [];
  for (const recipient of recipients) {
    // Coalesced: an earlier event of the window queued this person's mail, and its delivery sends it.
    if (await findQueuedEmail(tx, ticket.organizationId, key(recipient.userId))) continue;
    const mail = notificationMail(ticketWords, recipient.displayName, facts, own);
    const queued = await queueEmail(tx, {
      organizationId: ticket.organizationId,
      ticketId: ticket.id,
      kind: 'notification',
      idempotencyKey: key(recipient.userId),
      ...fromSender(sender),
      toAddresses: [recipient.email],
      subject: mail.subject,
      textBody: mail.text,
      headers: mail.headers,
    });
    ids.push(queued.id);
  }
  return ids;
}
