import { relations, type SQL, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  customType,
  index,
  integer,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { ticketActivities } from './activities.js';
import { categories } from './categories.js';
import { timestamps, timestamptz } from './columns.js';
import { ticketChannelEnum, ticketPriorityEnum, ticketStatusEnum } from './enums.js';
import { mailboxes } from './mail.js';
import { ticketMessages } from './messages.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';
import { users } from './users.js';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const tickets = pgTable(
  'tickets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human-readable number, unique per organisation, allocated from ticket_number_counters. */
    ticketNumber: integer('ticket_number').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    status: ticketStatusEnum('status').notNull().default('open'),
    priority: ticketPriorityEnum('priority').notNull().default('medium'),
    channel: ticketChannelEnum('channel').notNull().default('web'),
    tags: text('tags').array().default(sql`ARRAY[]::text[]`),
    categoryId: uuid('category_id').references(() => categories.id, { onDelete: 'set null' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => users.id),
    assigneeId: uuid('assignee_id').references(() => users.id),
    /** The mailbox the conversation came in through (null: opened by API or web, or the mailbox is gone). */
    mailboxId: uuid('mailbox_id').references(() => mailboxes.id, { onDelete: 'set null' }),
    /** The next SLA deadline due (first response, then resolution); null when no clock runs. */
    slaDeadline: timestamptz('sla_deadline'),
    firstResponseAt: timestamptz('first_response_at'),
    /** The conversation's latest reply, the customer's or an agent's (not notes or system mail): the inbox shows it. */
    lastMessageAt: timestamptz('last_message_at'),
    /** The ticket this one was merged into (it is closed, its conversation lives there). */
    mergedIntoId: uuid('merged_into_id').references((): AnyPgColumn => tickets.id, { onDelete: 'set null' }),
    /** When an SLA of this ticket was first breached. */
    slaBreached: timestamptz('sla_breached'),
    ...timestamps,
    resolvedAt: timestamptz('resolved_at'),
    closedAt: timestamptz('closed_at'),
    deletedAt: timestamptz('deleted_at'),
    /**
     * The seed's search document, stored: ranking a common word's thousands of matches then reads it
     * instead of parsing every title and description again (9× the throughput on 1M tickets, bench:api).
     */
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      (): SQL => sql`to_tsvector('english', ${tickets.title} || ' ' || ${tickets.description})`,
    ),
  },
  (table) => {
    // The inbox's filters, each with the list's order (newest first, id as tie-breaker) after it, over
    // live tickets only: a page of 20 reads 20 index entries instead of all the organisation's matches.
    const live = sql`${table.deletedAt} is null`;
    // Plain DESC (nulls first, as `order by … desc` reads it); drizzle's desc() alone means nulls last.
    const newestFirst = () => [table.createdAt.desc().nullsFirst(), table.id.desc().nullsFirst()] as const;
    return [
      index('tickets_live_org_created_idx')
        .on(table.organizationId, ...newestFirst())
        .where(live),
      index('tickets_live_org_status_created_idx')
        .on(table.organizationId, table.status, ...newestFirst())
        .where(live),
      index('tickets_live_org_status_priority_created_idx')
        .on(table.organizationId, table.status, table.priority, ...newestFirst())
        .where(live),
      // Also "unassigned" (assignee_id is null).
      index('tickets_live_org_assignee_created_idx')
        .on(table.organizationId, table.assigneeId, ...newestFirst())
        .where(live),
      index('tickets_live_org_mailbox_created_idx')
        .on(table.organizationId, table.mailboxId, ...newestFirst())
        .where(live),
      index('tickets_live_org_mailbox_status_created_idx')
        .on(table.organizationId, table.mailboxId, table.status, ...newestFirst())
        .where(live),

      index('tickets_customer_idx').on(table.customerId),
      index('tickets_assignee_idx').on(table.assigneeId),
      index('tickets_category_idx').on(table.categoryId),
      index('tickets_sla_deadline_idx').on(table.slaDeadline),
      uniqueIndex('tickets_org_number_idx').on(table.organizationId, table.ticketNumber),
      // Tag filters (`tags @> array[…]`) use it; tag renames and merges find their tickets with it.
      index('tickets_tags_idx').using('gin', table.tags),
      index('tickets_search_idx').using('gin', table.searchVector),
      ...createTenantPolicies('tickets'),
    ];
  },
).enableRLS();

/** Per-organisation ticket counter: `UPDATE … RETURNING` serialises concurrent creations on one row. */
export const ticketNumberCounters = pgTable(
  'ticket_number_counters',
  {
    organizationId: uuid('organization_id')
      .primaryKey()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    lastNumber: integer('last_number').notNull().default(0),
  },
  () => [...createTenantPolicies('ticket_number_counters')],
).enableRLS();

export const ticketsRelations = relations(tickets, ({ one, many }) => ({
  organization: one(organizations, { fields: [tickets.organizationId], references: [organizations.id] }),
  customer: one(users, {
    fields: [tickets.customerId],
    references: [users.id],
    relationName: 'customer_tickets',
  }),
  assignee: one(users, {
    fields: [tickets.assigneeId],
    references: [users.id],
    relationName: 'assigned_tickets',
  }),
  category: one(categories, { fields: [tickets.categoryId], references: [categories.id] }),
  messages: many(ticketMessages),
  activities: many(ticketActivities),
}));

/** A ticket as the application reads it: the search document stays in the database. */
export type Ticket = Omit<typeof tickets.$inferSelect, 'searchVector'>;
/** For relational queries: every column but the search document (only search reads that, in SQL). */
export const ticketColumns = { searchVector: false } as const;
export type NewTicket = typeof tickets.$inferInsert;
