import { relations, sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { userRoleEnum } from './enums.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';
import { users } from './users.js';

/**
 * An admin's invitation of an agent by email. Only the SHA-256 of the emailed token is stored; the
 * token is good once (accepted_at) until expires_at, unless revoked first.
 */
export const organizationInvitations = pgTable(
  'organization_invitations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: userRoleEnum('role').notNull().default('agent'),
    tokenHash: text('token_hash').notNull(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamptz('expires_at').notNull(),
    acceptedAt: timestamptz('accepted_at'),
    acceptedBy: uuid('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: timestamptz('revoked_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('invitations_token_hash_idx').on(table.tokenHash),
    // One open invitation per address and organisation; inviting again replaces the token.
    uniqueIndex('invitations_open_email_idx')
      .on(table.organizationId, table.email)
      .where(sql`accepted_at is null and revoked_at is null`),
    index('invitations_org_created_idx').on(table.organizationId, table.createdAt),
    ...createTenantPolicies('organization_invitations'),
  ],
).enableRLS();

export const organizationInvitationsRelations = relations(organizationInvitations, ({ one }) => ({
  organization: one(organizations, {
    fields: [organizationInvitations.organizationId],
    references: [organizations.id],
  }),
  inviter: one(users, { fields: [organizationInvitations.invitedBy], references: [users.id] }),
}));

export type OrganizationInvitation = typeof organizationInvitations.$inferSelect;
export type NewOrganizationInvitation = typeof organizationInvitations.$inferInsert;
