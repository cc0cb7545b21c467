import { relations } from 'drizzle-orm';
import { type AnyPgColumn, index, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';

/**
 * Ticket categories of an organisation, nested at most one level (a category's parent has no parent;
 * the API enforces it). A parent with subcategories cannot be deleted; deleting a category leaves its
 * tickets uncategorised (`tickets.category_id` is set null).
 */
export const categories = pgTable(
  'categories',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    parentId: uuid('parent_id').references((): AnyPgColumn => categories.id),
    ...timestamps,
  },
  (table) => [
    index('categories_org_idx').on(table.organizationId),
    index('categories_parent_idx').on(table.parentId),
    // Two top-level categories (parent null) may not share a name either.
    unique('categories_org_parent_name_key')
      .on(table.organizationId, table.parentId, table.name)
      .nullsNotDistinct(),
    ...createTenantPolicies('categories'),
  ],
).enableRLS();

export const categoriesRelations = relations(categories, ({ one }) => ({
  organization: one(organizations, { fields: [categories.organizationId], references: [organizations.id] }),
  parent: one(categories, { fields: [categories.parentId], references: [categories.id] }),
}));

export type Category = typeof categories.$inferSelect;
export type NewCategory = typeof categories.$inferInsert;
