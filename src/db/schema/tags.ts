import { relations, sql } from 'drizzle-orm';
import { check, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';

/**
 * The organisation's tag vocabulary. Tickets keep their tags as names in `tickets.tags` (the fast array
 * filters use); renaming or merging a tag rewrites those arrays in the same transaction.
 */
export const tags = pgTable(
  'tags',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** `#rrggbb`, lower case. */
    colour: text('colour').notNull().default('#6b7280'),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('tags_org_name_idx').on(table.organizationId, table.name),
    check('tags_colour_check', sql`${table.colour} ~ '^#[0-9a-f]{6}$'`),
    ...createTenantPolicies('tags'),
  ],
).enableRLS();

export const tagsRelations = relations(tags, ({ one }) => ({
  organization: one(organizations, { fields: [tags.organizationId], references: [organizations.id] }),
}));

export type Tag = typeof tags.$inferSelect;
export type NewTag = typeof tags.$inferInsert;
