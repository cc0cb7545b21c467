import { relations, sql } from 'drizzle-orm';
import { boolean, index, integer, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { SLA_KINDS } from '../../domain/vocabulary.js';
import { timestamps, timestamptz } from './columns.js';
import { ticketPriorityEnum } from './enums.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';
import { tickets } from './tickets.js';

export const slaPolicies = pgTable(
  'sla_policies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    priority: ticketPriorityEnum('priority').notNull(),
    /** Minutes to the first agent response. */
    firstResponseTime: integer('first_response_time').notNull(),
    /** Minutes to resolution. */
    resolutionTime: integer('resolution_time').notNull(),
    /** Minutes the agents have to answer each later customer message; null for no next-response SLA. */
    nextResponseTime: integer('next_response_time'),
    /** When true, the clock runs only inside the organisation's business hours. */
    businessHoursOnly: boolean('business_hours_only').notNull().default(true),
    isDefault: boolean('is_default').notNull().default(false),
    ...timestamps,
  },
  (table) => [
    index('sla_org_priority_idx').on(table.organizationId, table.priority),
    // The workflow reads "the" default policy of a priority: there must never be two.
    uniqueIndex('sla_default_per_priority_unique')
      .on(table.organizationId, table.priority)
      .where(sql`${table.isDefault}`),
    ...createTenantPolicies('sla_policies'),
  ],
).enableRLS();

export const slaPoliciesRelations = relations(slaPolicies, ({ one }) => ({
  organization: one(organizations, {
    fields: [slaPolicies.organizationId],
    references: [organizations.id],
  }),
}));

export type SlaPolicy = typeof slaPolicies.$inferSelect;
export type NewSlaPolicy = typeof slaPolicies.$inferInsert;

export const slaKindEnum = pgEnum('sla_kind', SLA_KINDS);
export type { SlaKind } from '../../domain/vocabulary.js';

/**
 * One escalation email to the managers: about one breach (sent at once when none went out in the last
 * window) or a digest of the breaches of one window (sent at `sends_at` by its digest workflow). Breaches
 * point at theirs, so each breach is escalated exactly once and a burst becomes one mail per window.
 */
export const slaEscalations = pgTable(
  'sla_escalations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** A digest (of one window's breaches) rather than the mail about one breach. */
    isDigest: boolean('is_digest').notNull(),
    /** When the mail goes (went) out: the breach's detection, or the end of the digest's window. */
    sendsAt: timestamptz('sends_at').notNull(),
    /** The breach that opened a digest: its workflow starts the digest's timer (again after a retry). */
    openedByBreachId: uuid('opened_by_breach_id').notNull(),
    /** When the mail was queued (or found to have nobody to go to); null while a digest collects breaches. */
    writtenAt: timestamptz('written_at'),
    /** The queued mail (outbound_emails.id); null when the organisation had no manager to tell. */
    outboundEmailId: uuid('outbound_email_id'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    index('sla_escalations_org_sends_idx').on(table.organizationId, table.sendsAt),
    ...createTenantPolicies('sla_escalations'),
  ],
).enableRLS();

export type SlaEscalation = typeof slaEscalations.$inferSelect;

/** One row per breached deadline: the key that makes a breach (and its escalation) happen once. */
export const slaBreaches = pgTable(
  'sla_breaches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    kind: slaKindEnum('kind').notNull(),
    deadline: timestamptz('deadline').notNull(),
    detectedAt: timestamptz('detected_at').notNull().defaultNow(),
    /** The escalation mail that tells the managers of this breach (null for breaches from before digests). */
    escalationId: uuid('escalation_id').references(() => slaEscalations.id, { onDelete: 'set null' }),
  },
  (table) => [
    index('sla_breaches_escalation_idx').on(table.escalationId),
    uniqueIndex('sla_breaches_unique').on(table.ticketId, table.kind, table.deadline),
    index('sla_breaches_org_idx').on(table.organizationId, table.detectedAt),
    ...createTenantPolicies('sla_breaches'),
  ],
).enableRLS();

export type SlaBreach = typeof slaBreaches.$inferSelect;
