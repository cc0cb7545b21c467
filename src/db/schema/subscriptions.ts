import { relations } from 'drizzle-orm';
import { date, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';

/** The global plan catalogue. A null limit is unlimited. Not tenant data: every organisation reads it. */
export const subscriptionPlans = pgTable('subscription_plans', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  maxAgents: integer('max_agents'),
  maxMailboxes: integer('max_mailboxes'),
  maxTicketsPerMonth: integer('max_tickets_per_month'),
  priceCentsPerMonth: integer('price_cents_per_month').notNull().default(0),
  ...timestamps,
});

/** Each organisation's plan and the current billing period (calendar months, UTC). */
export const organizationSubscriptions = pgTable(
  'organization_subscriptions',
  {
    organizationId: uuid('organization_id')
      .primaryKey()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    planId: text('plan_id')
      .notNull()
      .references(() => subscriptionPlans.id),
    ...timestamps,
  },
  () => [...createTenantPolicies('organization_subscriptions')],
).enableRLS();

/**
 * Usage per organisation and month, counted with `insert … on conflict do update` in the
 * transaction that creates the ticket or records the email, so concurrent writers never lose a count.
 */
export const subscriptionUsage = pgTable(
  'subscription_usage',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** First day of the month (UTC). */
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    ticketsCreated: integer('tickets_created').notNull().default(0),
    /** Tickets created beyond the plan's monthly limit (inbound email is never refused). */
    ticketsOverLimit: integer('tickets_over_limit').notNull().default(0),
    inboundEmails: integer('inbound_emails').notNull().default(0),
    outboundEmails: integer('outbound_emails').notNull().default(0),
    ...timestamps,
  },
  (table) => [
    primaryKey({ columns: [table.organizationId, table.periodStart] }),
    ...createTenantPolicies('subscription_usage'),
  ],
).enableRLS();

export const organizationSubscriptionsRelations = relations(organizationSubscriptions, ({ one }) => ({
  organization: one(organizations, {
    fields: [organizationSubscriptions.organizationId],
    references: [organizations.id],
  }),
  plan: one(subscriptionPlans, {
    fields: [organizationSubscriptions.planId],
    references: [subscriptionPlans.id],
  }),
}));

export type SubscriptionPlan = typeof subscriptionPlans.$inferSelect;
export type OrganizationSubscription = typeof organizationSubscriptions.$inferSelect;
export type SubscriptionUsage = typeof subscriptionUsage.$inferSelect;
