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
  },
  (table) => [
    uniqueIndex('sla_breaches_unique').on(table.ticketId, table.kind, table.deadline),
    index('sla_breaches_org_idx').on(table.organizationId, table.detectedAt),
    ...createTenantPolicies('sla_breaches'),
  ],
).enableRLS();

export type SlaBreach = typeof slaBreaches.$inferSelect;
