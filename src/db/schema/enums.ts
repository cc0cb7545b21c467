import { pgEnum } from 'drizzle-orm/pg-core';

// Enums live apart from their tables so schema modules that import each other never see them undefined.
export const userRoleEnum = pgEnum('user_role', ['customer', 'agent', 'admin', 'owner']);

export const ticketStatusEnum = pgEnum('ticket_status', [
  'open', // New ticket, not yet assigned
  'pending', // Awaiting the customer's response
  'resolved', // Solution provided, awaiting confirmation
  'closed', // Completed
]);

export const ticketPriorityEnum = pgEnum('ticket_priority', ['low', 'medium', 'high', 'urgent']);

export const ticketChannelEnum = pgEnum('ticket_channel', ['web', 'email', 'chat', 'api']);

export const messageTypeEnum = pgEnum('message_type', ['reply', 'internal_note', 'system']);

export const activityActionEnum = pgEnum('activity_action', [
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
]);

export type UserRole = (typeof userRoleEnum.enumValues)[number];
export type TicketStatus = (typeof ticketStatusEnum.enumValues)[number];
export type TicketPriority = (typeof ticketPriorityEnum.enumValues)[number];
export type TicketChannel = (typeof ticketChannelEnum.enumValues)[number];
export type MessageType = (typeof messageTypeEnum.enumValues)[number];
export type ActivityAction = (typeof activityActionEnum.enumValues)[number];
