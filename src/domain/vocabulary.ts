// The domain's words, defined once: the database enums (src/db/schema), the API's TypeBox schemas and the
// workflow types all derive from these lists. Pure and dependency-free, so workflow code may import it.

/** A person's role in one organisation, least to most privileged (the order ranks roles). */
export const USER_ROLES = ['customer', 'agent', 'admin', 'owner'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Roles that work tickets: they take a seat of the plan and can be assigned. */
export const STAFF_ROLES = ['agent', 'admin', 'owner'] as const satisfies readonly UserRole[];
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Roles that administer the organisation (settings, members, mailboxes). */
export const ADMIN_ROLES = ['admin', 'owner'] as const satisfies readonly UserRole[];

export const TICKET_STATUSES = [
  'open', // New ticket, not yet assigned
  'pending', // Awaiting the customer's response
  'resolved', // Solution provided, awaiting confirmation
  'closed', // Completed
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TICKET_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const TICKET_CHANNELS = ['web', 'email', 'chat', 'api'] as const;
export type TicketChannel = (typeof TICKET_CHANNELS)[number];

export const MESSAGE_TYPES = ['reply', 'internal_note', 'system'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const ACTIVITY_ACTIONS = [
  'created',
  'status_changed',
  'priority_changed',
  'assigned',
  'unassigned',
  'tagged',
  'message_added',
  'resolved',
  'closed',
  'reopened',
  'sla_breached',
  'category_changed',
  'participant_added',
  'participant_removed',
  'merged',
  'split',
] as const;
export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];

/** Who takes part in a ticket's conversation: its customer, and followers who get its replies in Cc. */
export const PARTICIPANT_ROLES = ['customer', 'follower'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

/** How a participant came in: named on an email (From, To, Cc) or added by an agent. */
export const PARTICIPANT_SOURCES = ['email', 'agent'] as const;
export type ParticipantSource = (typeof PARTICIPANT_SOURCES)[number];

export const SLA_KINDS = ['first_response', 'next_response', 'resolution'] as const;
export type SlaKind = (typeof SLA_KINDS)[number];

/** Where one SLA clock stands. */
export const CLOCK_OUTCOMES = ['running', 'met', 'breached'] as const;
export type ClockOutcome = (typeof CLOCK_OUTCOMES)[number];

/** What an organisation's webhook can subscribe to (`ping` is the test send, not subscribable). */
export const WEBHOOK_EVENTS = [
  'ticket.created',
  'ticket.updated',
  'message.created',
  'sla.warning',
  'sla.breached',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What a staff member can be emailed about, each switched on or off per person (see notifications.ts). */
export const NOTIFICATION_EVENTS = ['newTicket', 'customerReply', 'assigned', 'mention'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/**
 * The emails an organisation can reword (src/mail/templates.ts holds their defaults and placeholders). Account
 * mails (sign-in, password, address checks) and mailbox verification are the installation's, not editable.
 */
export const EMAIL_TEMPLATE_KINDS = [
  'acknowledgement',
  'reply',
  'resolution_notice',
  'satisfaction_survey',
  'sla_warning',
  'sla_escalation',
  'escalation_digest',
  'invitation',
  'notification_new_ticket',
  'notification_customer_reply',
  'notification_assigned',
  'notification_mention',
] as const;
export type EmailTemplateKind = (typeof EMAIL_TEMPLATE_KINDS)[number];

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
