import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { WEBHOOK_DELIVERY_STATUSES, type WebhookEvent } from '../../domain/vocabulary.js';
import { timestamps, timestamptz } from './columns.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';

export const webhookDeliveryStatusEnum = pgEnum('webhook_delivery_status', WEBHOOK_DELIVERY_STATUSES);
/** `signed`: the organisation's webhook, signed JSON; `slack`: an incoming-webhook message for Slack. */
export const webhookFormatEnum = pgEnum('webhook_format', ['signed', 'slack']);

/** An organisation's HTTP endpoint that receives signed JSON events. */
export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description'),
    events: text('events').array().$type<WebhookEvent[]>().notNull(),
    /** Signs every delivery (HMAC-SHA256); shown once, when the webhook is created. */
    secret: text('secret').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    ...timestamps,
  },
  (table) => [index('webhooks_org_idx').on(table.organizationId), ...createTenantPolicies('webhooks')],
).enableRLS();

/**
 * The durable outbox of events: one row per event and receiver, written in the transaction that made
 * the change (a trigger on ticket_activities), then sent and retried with backoff by the dispatcher.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** Null for the organisation's Slack notifications, which are no webhook of theirs. */
    webhookId: uuid('webhook_id').references(() => webhooks.id, { onDelete: 'cascade' }),
    format: webhookFormatEnum('format').notNull().default('signed'),
    url: text('url').notNull(),
    /** The same for every delivery of one event, so receivers can drop a repeat. */
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: webhookDeliveryStatusEnum('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamptz('next_attempt_at').notNull().defaultNow(),
    /** Claimed by a dispatcher until then; after it, another may take the row (the first one died). */
    lockedUntil: timestamptz('locked_until'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: timestamptz('delivered_at'),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('webhook_deliveries_event_idx').on(table.url, table.eventId),
    index('webhook_deliveries_webhook_idx').on(table.webhookId, table.createdAt),
    index('webhook_deliveries_due_idx').on(table.nextAttemptAt).where(sql`status = 'pending'`),
    ...createTenantPolicies('webhook_deliveries'),
  ],
).enableRLS();

export type Webhook = typeof webhooks.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
