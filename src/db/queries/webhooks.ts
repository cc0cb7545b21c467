import { randomUUID } from 'node:crypto';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Database, Queryable } from '../client.js';
import { type Webhook, webhookDeliveries, webhooks } from '../schema/index.js';
import { deleteRowOfOrganization, findRowOfOrganization, updateRowOfOrganization } from './scope.js';

type WebhookFields = Pick<typeof webhooks.$inferInsert, 'url' | 'events' | 'description' | 'isActive'>;

/** Deliveries shown per page of a webhook's log. */
export const DELIVERY_LOG_LIMIT = 50;

export async function listWebhooks(db: Queryable, organizationId: string) {
  return db
    .select()
    .from(webhooks)
    .where(eq(webhooks.organizationId, organizationId))
    .orderBy(webhooks.createdAt, webhooks.id);
}

export const findWebhook = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, webhooks, organizationId, id);

/** Registers a webhook signing with `secret`; the row. */
export async function insertWebhook(
  db: Queryable,
  organizationId: string,
  secret: string,
  fields: WebhookFields,
) {
  const [row] = await db
    .insert(webhooks)
    .values({ ...fields, organizationId, secret })
    .returning();
  return row!;
}

/** Changes the webhook; the row after, or undefined when it is not the organisation's. */
export const updateWebhook = (
  db: Queryable,
  organizationId: string,
  id: string,
  changes: Partial<WebhookFields>,
) => updateRowOfOrganization(db, webhooks, organizationId, id, changes);

/** Removes the webhook (its delivery log goes with it); the row deleted, or undefined. */
export const deleteWebhook = (db: Queryable, organizationId: string, id: string) =>
  deleteRowOfOrganization(db, webhooks, organizationId, id);

/** Queues a `ping` event for the webhook alone; its delivery's id and the event's. */
export async function queuePingDelivery(
  db: Queryable,
  organizationId: string,
  hook: Pick<Webhook, 'id' | 'url'>,
) {
  const eventId = randomUUID();
  const [row] = await db
    .insert(webhookDeliveries)
    .values({
      organizationId,
      webhookId: hook.id,
      url: hook.url,
      eventId,
      eventType: 'ping',
      payload: {
        id: eventId,
        type: 'ping',
        createdAt: new Date().toISOString(),
        organizationId,
        data: { webhookId: hook.id },
      },
    })
    .returning({ id: webhookDeliveries.id });
  return { deliveryId: row!.id, eventId };
}

/** The newest deliveries of a webhook first; `before` pages on by creation time. */
export async function webhookDeliveryLog(
  db: Queryable,
  organizationId: string,
  webhookId: string,
  before?: Date,
) {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.organizationId, organizationId),
        eq(webhookDeliveries.webhookId, webhookId),
        before ? lt(webhookDeliveries.createdAt, before) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(DELIVERY_LOG_LIMIT);
}

/** Queues one event for the ticket's organisation's webhooks (and Slack); a repeat of the id is a no-op. */
export async function queueWebhookEvent(
  db: Queryable,
  event: {
    eventId: string;
    type: string;
    ticketId: string;
    action: string;
    actorId: string | null;
    details: Record<string, unknown>;
    at: Date;
  },
) {
  await db.execute(
    sql`select queue_webhook_event(${event.eventId}::uuid, ${event.type}, ${event.ticketId}::uuid, ${event.action}, ${event.actorId}::uuid, ${JSON.stringify(event.details)}::jsonb, ${event.at.toISOString()}::timestamptz)`,
  );
}

export interface DueDelivery {
  id: string;
  format: 'signed' | 'slack';
  url: string;
  eventId: string;
  eventType: string;
  payload: Record<string, unknown>;
  attempts: number;
  secret: string | null;
}

/**
 * Claims up to `limit` due deliveries for `leaseMs` and counts the attempt. A dispatcher that dies
 * holding a claim loses it when the lease ends, and another sends the delivery again (same event id).
 */
export async function claimDueDeliveries(
  db: Database,
  limit: number,
  leaseMs: number,
): Promise<DueDelivery[]> {
  const rows = (await db.execute(sql`
    with due as (
      select id from webhook_deliveries
       where status = 'pending' and next_attempt_at <= now()
         and (locked_until is null or locked_until < now())
       order by next_attempt_at
       limit ${limit}
       for update skip locked
    ), claimed as (
      update webhook_deliveries d
         set locked_until = now() + ${leaseMs} * interval '1 millisecond', attempts = d.attempts + 1,
             updated_at = now()
        from due
       where d.id = due.id
      returning d.id, d.webhook_id, d.format, d.url, d.event_id, d.event_type, d.payload, d.attempts
    )
    select c.id, c.format, c.url, c.event_id, c.event_type, c.payload, c.attempts, w.secret
      from claimed c left join webhooks w on w.id = c.webhook_id`)) as unknown as {
    id: string;
    format: 'signed' | 'slack';
    url: string;
    event_id: string;
    event_type: string;
    payload: Record<string, unknown>;
    attempts: number;
    secret: string | null;
  }[];
  return rows.map((r) => ({
    id: r.id,
    format: r.format,
    url: r.url,
    eventId: r.event_id,
    eventType: r.event_type,
    payload: r.payload,
    attempts: r.attempts,
    secret: r.secret,
  }));
}

export async function recordDeliveryOutcome(
  db: Database,
  id: string,
  outcome:
    | { delivered: true; statusCode: number }
    | { delivered: false; statusCode: number | null; error: string; retryAt: Date | null },
) {
  await db
    .update(webhookDeliveries)
    .set(
      outcome.delivered
        ? {
            status: 'delivered',
            lastStatusCode: outcome.statusCode,
            lastError: null,
            deliveredAt: new Date(),
            lockedUntil: null,
            updatedAt: new Date(),
          }
        : {
            status: outcome.retryAt ? 'pending' : 'failed',
            lastStatusCode: outcome.statusCode,
            lastError: outcome.error.slice(0, 1000),
            nextAttemptAt: outcome.retryAt ?? new Date(),
            lockedUntil: null,
            updatedAt: new Date(),
          },
    )
    .where(eq(webhookDeliveries.id, id));
}
