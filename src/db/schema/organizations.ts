import { relations, sql } from 'drizzle-orm';
import { boolean, jsonb, pgPolicy, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { BusinessHours } from '../../domain/business-hours.js';
import { cannedResponses } from './canned-responses.js';
import { timestamps } from './columns.js';
import { appUser, currentOrgId } from './rls.js';
import { slaPolicies } from './sla.js';
import { tickets } from './tickets.js';
import { userOrganizations } from './users.js';

export interface OrganizationSettings {
  branding?: { primaryColor?: string; logoUrl?: string };
  notifications?: {
    emailOnNewTicket?: boolean;
    emailOnTicketUpdate?: boolean;
    slackWebhookUrl?: string;
    /** Extra recipients of SLA escalations, besides the organisation's admins and owners. */
    escalationEmails?: string[];
  };
  features?: { liveChatEnabled?: boolean; customerPortalEnabled?: boolean };
  /** Opening hours for SLA policies with business_hours_only; absent means the clock runs 24/7. */
  businessHours?: BusinessHours;
  /** Days a resolved ticket waits for the customer before it closes itself (default 7). */
  autoCloseAfterDays?: number;
  /** Warn the assignee and managers when this share of an SLA's time is used (e.g. 0.8); off when absent. */
  slaWarningRatio?: number;
  /** Email the customer a satisfaction survey this long after a ticket is resolved; off when absent. */
  satisfactionSurvey?: { delayMinutes: number };
  /** Email the customer a short notice when their ticket is resolved; off when absent. */
  resolutionNotice?: boolean;
  /** Staff sign in with a second factor (sessions and password login); admin-issued tokens are exempt. */
  requireTwoFactor?: boolean;
}

export const organizations = pgTable(
  'organizations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    slug: text('slug').notNull().unique(),
    settings: jsonb('settings').$type<OrganizationSettings>().default({}),
    plan: text('plan').notNull().default('free'),
    isActive: boolean('is_active').notNull().default(true),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('org_slug_idx').on(table.slug),
    // Self-access: a tenant sees and edits only its own organisation row; creation is admin work.
    pgPolicy('organizations_self_select', { for: 'select', to: appUser, using: sql`id = ${currentOrgId}` }),
    pgPolicy('organizations_self_update', {
      for: 'update',
      to: appUser,
      using: sql`id = ${currentOrgId}`,
      withCheck: sql`id = ${currentOrgId}`,
    }),
  ],
).enableRLS();

export const organizationsRelations = relations(organizations, ({ many }) => ({
  members: many(userOrganizations),
  tickets: many(tickets),
  slaPolicies: many(slaPolicies),
  cannedResponses: many(cannedResponses),
}));

export type Organization = typeof organizations.$inferSelect;
export type NewOrganization = typeof organizations.$inferInsert;
