import { relations } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';
import { users } from './users.js';

/** A `GET /tickets` query as the API validated it (its field names and values). */
export type SavedTicketQuery = Record<string, unknown>;

/**
 * Named ticket-list filters of a user: private to their owner, or shared with the whole organisation.
 * The organisation is enforced by RLS; privacy by the API (another user's private filter answers 404).
 */
export const savedFilters = pgTable(
  'saved_filters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    query: jsonb('query').$type<SavedTicketQuery>().notNull().default({}),
    shared: boolean('shared').notNull().default(false),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('saved_filters_owner_name_idx').on(table.organizationId, table.userId, table.name),
    index('saved_filters_org_shared_idx').on(table.organizationId, table.shared),
    ...createTenantPolicies('saved_filters'),
  ],
).enableRLS();

export const savedFiltersRelations = relations(savedFilters, ({ one }) => ({
  organization: one(organizations, { fields: [savedFilters.organizationId], references: [organizations.id] }),
  owner: one(users, { fields: [savedFilters.userId], references: [users.id] }),
}));

export type SavedFilter = typeof savedFilters.$inferSelect;
export type NewSavedFilter = typeof savedFilters.$inferInsert;
