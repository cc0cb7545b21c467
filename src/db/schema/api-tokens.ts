import { relations } from 'drizzle-orm';
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';
import { users } from './users.js';

/** Bearer tokens for the agents' API: shown once, stored as a SHA-256 hash, revocable. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** The first characters of the token, so people can tell their tokens apart. */
    tokenPrefix: text('token_prefix').notNull(),
    createdById: uuid('created_by_id').references(() => users.id),
    lastUsedAt: timestamptz('last_used_at'),
    expiresAt: timestamptz('expires_at'),
    revokedAt: timestamptz('revoked_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [index('api_tokens_org_idx').on(table.organizationId), ...createTenantPolicies('api_tokens')],
).enableRLS();

export const apiTokensRelations = relations(apiTokens, ({ one }) => ({
  user: one(users, { fields: [apiTokens.userId], references: [users.id] }),
  organization: one(organizations, { fields: [apiTokens.organizationId], references: [organizations.id] }),
}));

export type ApiToken = typeof apiTokens.$inferSelect;
