import { relations } from 'drizzle-orm';
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';
import { users } from './users.js';

export const cannedResponses = pgTable(
  'canned_responses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    content: text('content').notNull(),
    /** e.g. "/greeting", "/closing" */
    shortcut: text('shortcut'),
    category: text('category'),
    createdById: uuid('created_by_id').references(() => users.id),
    ...timestamps,
  },
  (table) => [
    index('canned_org_idx').on(table.organizationId),
    index('canned_shortcut_idx').on(table.organizationId, table.shortcut),
    ...createTenantPolicies('canned_responses'),
  ],
).enableRLS();

export const cannedResponsesRelations = relations(cannedResponses, ({ one }) => ({
  organization: one(organizations, {
    fields: [cannedResponses.organizationId],
    references: [organizations.id],
  }),
  createdBy: one(users, { fields: [cannedResponses.createdById], references: [users.id] }),
}));

export type CannedResponse = typeof cannedResponses.$inferSelect;
export type NewCannedResponse = typeof cannedResponses.$inferInsert;
