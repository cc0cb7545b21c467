import { pgEnum } from 'drizzle-orm/pg-core';
import {
  ACTIVITY_ACTIONS,
  EMAIL_TEMPLATE_KINDS,
  MESSAGE_TYPES,
  PARTICIPANT_ROLES,
  PARTICIPANT_SOURCES,
  TICKET_CHANNELS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  USER_ROLES,
} from '../../domain/vocabulary.js';

// Enums live apart from their tables so schema modules that import each other never see them undefined.
// Their values are the domain's vocabulary (src/domain/vocabulary.ts).
export const userRoleEnum = pgEnum('user_role', USER_ROLES);

export const ticketStatusEnum = pgEnum('ticket_status', TICKET_STATUSES);

export const ticketPriorityEnum = pgEnum('ticket_priority', TICKET_PRIORITIES);

export const ticketChannelEnum = pgEnum('ticket_channel', TICKET_CHANNELS);

export const messageTypeEnum = pgEnum('message_type', MESSAGE_TYPES);

export const activityActionEnum = pgEnum('activity_action', ACTIVITY_ACTIONS);

export const participantRoleEnum = pgEnum('participant_role', PARTICIPANT_ROLES);

export const participantSourceEnum = pgEnum('participant_source', PARTICIPANT_SOURCES);

export const emailTemplateKindEnum = pgEnum('email_template_kind', EMAIL_TEMPLATE_KINDS);

export type {
  ActivityAction,
  EmailTemplateKind,
  MessageType,
  ParticipantRole,
  ParticipantSource,
  TicketChannel,
  TicketPriority,
  TicketStatus,
  UserRole,
} from '../../domain/vocabulary.js';
