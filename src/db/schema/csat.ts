import { relations, sql } from 'drizzle-orm';
import { check, index, pgTable, smallint, text, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';
import { tickets } from './tickets.js';
import { users } from './users.js';

/**
 * A satisfaction survey sent after a ticket was resolved (one per resolution). The emailed link
 * carries the id signed with the deployment's key; the rating is accepted once (responded_at).
 */
export const csatSurveys = pgTable(
  'csat_surveys',
  {
    // Derived from the ticket and the moment it was resolved: a retried send finds the same survey.
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id').references(() => users.id, { onDelete: 'set null' }),
    email: text('email').notNull(),
    sentAt: timestamptz('sent_at').notNull().defaultNow(),
    rating: smallint('rating'),
    comment: text('comment'),
    respondedAt: timestamptz('responded_at'),
  },
  (table) => [
    index('csat_org_responded_idx').on(table.organizationId, table.respondedAt),
    index('csat_ticket_idx').on(table.ticketId),
    check('csat_rating_range', sql`${table.rating} between 1 and 5`),
    ...createTenantPolicies('csat_surveys'),
  ],
).enableRLS();

export const csatSurveysRelations = relations(csatSurveys, ({ one }) => ({
  organization: one(organizations, { fields: [csatSurveys.organizationId], references: [organizations.id] }),
  ticket: one(tickets, { fields: [csatSurveys.ticketId], references: [tickets.id] }),
}));

export type CsatSurvey = typeof csatSurveys.$inferSelect;
export type NewCsatSurvey = typeof csatSurveys.$inferInsert;
