import { relations, sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  jsonb,
  pgPolicy,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { NotificationPreferences } from '../../domain/notifications.js';
import { timestamps, timestamptz } from './columns.js';
import { userRoleEnum } from './enums.js';
import { organizations } from './organizations.js';
import { appUser, currentOrgId, currentUserId } from './rls.js';
import { tickets } from './tickets.js';

// Global user accounts (no RLS): customers and agents may belong to several organisations. The account
// belongs to the person: organisations hold memberships and never write these columns.
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    avatarUrl: text('avatar_url'),
    passwordHash: text('password_hash'),
    emailVerified: boolean('email_verified').notNull().default(false),
    emailVerifiedAt: timestamptz('email_verified_at'),
    googleId: text('google_id'),
    githubId: text('github_id'),
    isActive: boolean('is_active').notNull().default(true),
    lastLoginAt: timestamptz('last_login_at'),
    /** Base32 TOTP secret; second factor on once two_factor_enabled_at is set. */
    twoFactorSecret: text('two_factor_secret'),
    twoFactorEnabledAt: timestamptz('two_factor_enabled_at'),
    /** The last TOTP time step accepted, so a code is good once. */
    twoFactorLastStep: bigint('two_factor_last_step', { mode: 'number' }),
    /** SHA-256 of each unused recovery code. */
    recoveryCodeHashes: text('recovery_code_hashes').array(),
    ...timestamps,
  },
  (table) => [
    index('users_email_idx').on(table.email),
    index('users_google_id_idx').on(table.googleId),
    index('users_github_id_idx').on(table.githubId),
  ],
);

export const userOrganizations = pgTable(
  'user_organizations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    role: userRoleEnum('role').notNull().default('customer'),
    /** What this organisation calls the person; the account's own name is the person's and stays theirs. */
    displayName: text('display_name').notNull(),
    /** Which ticket events the person is emailed about here; an event left out follows the organisation. */
    notificationPreferences: jsonb('notification_preferences')
      .$type<NotificationPreferences>()
      .notNull()
      .default({}),
    joinedAt: timestamptz('joined_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('user_org_unique').on(table.userId, table.organizationId),
    index('user_orgs_user_idx').on(table.userId),
    index('user_orgs_org_idx').on(table.organizationId),
    // A user sees the members of the current organisation and their own memberships elsewhere
    // (to pick an organisation); changes stay inside the current organisation.
    pgPolicy('user_organizations_tenant_select', {
      for: 'select',
      to: appUser,
      using: sql`organization_id = ${currentOrgId} or user_id = ${currentUserId}`,
    }),
    pgPolicy('user_organizations_tenant_insert', {
      for: 'insert',
      to: appUser,
      withCheck: sql`organization_id = ${currentOrgId}`,
    }),
    pgPolicy('user_organizations_tenant_update', {
      for: 'update',
      to: appUser,
      using: sql`organization_id = ${currentOrgId}`,
      withCheck: sql`organization_id = ${currentOrgId}`,
    }),
    pgPolicy('user_organizations_tenant_delete', {
      for: 'delete',
      to: appUser,
      using: sql`organization_id = ${currentOrgId}`,
    }),
  ],
).enableRLS();

export const usersRelations = relations(users, ({ many }) => ({
  organizations: many(userOrganizations),
  customerTickets: many(tickets, { relationName: 'customer_tickets' }),
  assignedTickets: many(tickets, { relationName: 'assigned_tickets' }),
}));

export const userOrganizationsRelations = relations(userOrganizations, ({ one }) => ({
  user: one(users, { fields: [userOrganizations.userId], references: [users.id] }),
  organization: one(organizations, {
    fields: [userOrganizations.organizationId],
    references: [organizations.id],
  }),
}));

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type UserOrganization = typeof userOrganizations.$inferSelect;
