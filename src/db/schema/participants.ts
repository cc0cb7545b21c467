import { relations, sql } from 'drizzle-orm';
import { check, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { participantRoleEnum, participantSourceEnum } from './enums.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';
import { tickets } from './tickets.js';
import { users } from './users.js';

/**
 * Who takes part in a ticket's conversation, by address: its customer, and followers (people the
 * customer copied, or an agent added) who receive the agents' replies in Cc and whose mail threads in.
 * A removed follower keeps the row (`removed_at`), so a later email still copying them does not bring
 * them back; an agent adding them again does.
 */
export const ticketParticipants = pgTable(
  'ticket_participants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    /** Lower case. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: participantRoleEnum('role').notNull(),
    addedVia: participantSourceEnum('added_via').notNull(),
    addedByUserId: uuid('added_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    removedAt: timestamptz('removed_at'),
  },
  (table) => [
    uniqueIndex('ticket_participants_ticket_email_unique').on(table.ticketId, table.email),
    check('ticket_participants_email_lower', sql`${table.email} = lower(${table.email})`),
    // The customer stays: only followers are ever removed.
    check(
      'ticket_participants_customer_stays',
      sql`${table.role} = 'follower' or ${table.removedAt} is null`,
    ),
    ...createTenantPolicies('ticket_participants'),
  ],
).enableRLS();

export const ticketParticipantsRelations = relations(ticketParticipants, ({ one }) => ({
  ticket: one(tickets, { fields: [ticketParticipants.ticketId], references: [tickets.id] }),
}));

export type TicketParticipant = typeof ticketParticipants.$inferSelect;
