import { relations } from 'drizzle-orm';
import { index, jsonb, pgTable, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { activityActionEnum } from './enums.js';
import { createTicketChildPolicies } from './rls.js';
import { tickets } from './tickets.js';
import { users } from './users.js';

export type ActivityMetadata = {
  fromStatus?: string;
  toStatus?: string;
  fromPriority?: string;
  toPriority?: string;
  assigneeId?: string;
  assigneeName?: string;
  addedTags?: string[];
  removedTags?: string[];
  fromCategoryId?: string | null;
  toCategoryId?: string | null;
  slaDeadline?: string;
  /** Which SLA clock was breached, and how late it was noticed. */
  slaKind?: string;
  lateByMs?: number;
  messageId?: string;
  /** The participant added or removed, and their address. */
  participantId?: string;
  participantEmail?: string;
  /** A merge: the ticket merged into (on the closed one) or merged in (on the one that stays). */
  mergedIntoId?: string;
  mergedIntoNumber?: number;
  mergedFromId?: string;
  mergedFromNumber?: number;
  /** A split: the ticket a message was split into (on the one it left) or out of (on the new one). */
  splitIntoId?: string;
  splitIntoNumber?: number;
  splitFromId?: string;
  splitFromNumber?: number;
  reason?: string;
};

/** Audit log of everything that happened to a ticket. */
export const ticketActivities = pgTable(
  'ticket_activities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id),
    action: activityActionEnum('action').notNull(),
    metadata: jsonb('metadata').$type<ActivityMetadata>().default({}),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    index('activities_ticket_idx').on(table.ticketId, table.createdAt),
    // The live stream (GET /events) reads the newest activities of every ticket each second.
    index('activities_created_idx').on(table.createdAt),
    ...createTicketChildPolicies('ticket_activities'),
  ],
).enableRLS();

export const ticketActivitiesRelations = relations(ticketActivities, ({ one }) => ({
  ticket: one(tickets, { fields: [ticketActivities.ticketId], references: [tickets.id] }),
  user: one(users, { fields: [ticketActivities.userId], references: [users.id] }),
}));

export type TicketActivity = typeof ticketActivities.$inferSelect;
export type NewTicketActivity = typeof ticketActivities.$inferInsert;
