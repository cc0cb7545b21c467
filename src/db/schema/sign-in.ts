import { relations } from 'drizzle-orm';
import { index, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { organizations } from './organizations.js';
import { users } from './users.js';

// The person's own tables: global, without RLS, and read only on the owner connection (migration
// 0016 revokes them from app_user), so no organisation's request can reach them.

/** A browser session: the cookie holds the secret, the table its SHA-256 only. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    /** Sent back in X-CSRF-Token on every cookie-authenticated write. */
    csrfToken: text('csrf_token').notNull(),
    /** The organisation the person works in; switched with PUT /auth/session/organization. */
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
    /** Set while a password was right but the second factor is still owed: the session grants nothing. */
    secondFactorPending: text('second_factor_pending'),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
    /** The absolute end; the idle end is last_seen_at + the idle timeout. */
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (table) => [index('sessions_user_idx').on(table.userId)],
);

/** An identity at a sign-in provider (Google, GitHub) linked to the account. */
export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    /** The provider's stable subject (OIDC `sub`, GitHub user id). */
    providerAccountId: text('provider_account_id').notNull(),
    /** The provider-verified email at linking time. */
    email: text('email').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('accounts_provider_subject_idx').on(table.provider, table.providerAccountId),
    index('accounts_user_idx').on(table.userId),
  ],
);

export const verificationPurposeEnum = pgEnum('verification_purpose', [
  'verify_email',
  'reset_password',
  'change_email',
  'oauth_state',
]);

/** Single-use emailed links (and OAuth round trips): only the SHA-256 of the secret is kept. */
export const verifications = pgTable(
  'verifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    purpose: verificationPurposeEnum('purpose').notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The address the link was sent to (the new one for an email change); OAuth: the provider. */
    identifier: text('identifier').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** Purpose-specific data that must not travel in the link (e.g. the PKCE verifier). */
    value: text('value'),
    expiresAt: timestamptz('expires_at').notNull(),
    usedAt: timestamptz('used_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [index('verifications_user_idx').on(table.userId, table.purpose)],
);

export const sessionsRelations = relations(sessions, ({ one }) => ({
  user: one(users, { fields: [sessions.userId], references: [users.id] }),
}));

export type Session = typeof sessions.$inferSelect;
export type Verification = typeof verifications.$inferSelect;
export type VerificationPurpose = (typeof verificationPurposeEnum.enumValues)[number];
