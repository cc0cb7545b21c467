import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../../db/queries/audit-logs.js';
import {
  DELIVERY_LOG_LIMIT,
  deleteWebhook,
  findWebhook,
  insertWebhook,
  listWebhooks,
  queuePingDelivery,
  updateWebhook,
  webhookDeliveryLog,
} from '../../db/queries/webhooks.js';
import type { Webhook } from '../../db/schema/index.js';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENTS } from '../../domain/vocabulary.js';
import type { HostPolicy } from '../../net/host-policy.js';
import { newWebhookSecret } from '../../webhooks/signature.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { refuseHiddenUrl } from '../outbound-urls.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, IdParams, NoContent, Nullable, Timestamp, Uuid } from '../schemas/common.js';

const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description:
    'An http(s) URL on the public internet (private addresses only where the operator allows them)',
});
const Events = Type.Array(Type.Enum(WEBHOOK_EVENTS), {
  minItems: 1,
  maxItems: WEBHOOK_EVENTS.length,
  uniqueItems: true,
});
const Description = Nullable(Type.String({ maxLength: 500 }));

const WebhookView = Type.Object({
  id: Uuid,
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  isActive: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
const CreatedWebhook = Type.Object({
  ...WebhookView.properties,
  secret: Type.String({ description: 'Signs every delivery; shown only now' }),
});
const DeliveryView = Type.Object({
  id: Uuid,
  eventId: Uuid,
  eventType: Type.String(),
  status: Type.Enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: Type.Integer(),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Timestamp,
  deliveredAt: Nullable(Timestamp),
  createdAt: Timestamp,
});

const CreateBody = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description) },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
const DeliveryQuery = Type.Object(
  { before: Type.Optional(Type.String({ format: 'date-time', description: 'Older than this' })) },
  { additionalProperties: false },
);

const view = ({ secret: _secret, organizationId: _org, ...row }: Webhook) => row;

/** Organisation webhooks (admins and owners): signed JSON deliveries of ticket, message and SLA events. */
export const webhookRoutes: FastifyPluginAsyncTypebox<ApiDeps & { webhookHosts: HostPolicy }> = async (
  app,
  { webhookHosts },
) => {
  app.get(
    '/webhooks',
    {
      config: adminOnly,
      schema: {
        tags: ['webhooks'],
        summary: 'The organisation’s webhooks',
        response: { 200: Type.Object({ data: Type.Array(WebhookView) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const rows = await request.inTenant((tx) => listWebhooks(tx, request.principal.organizationId));
      return { data: rows.map(view) };
    },
  );

  app.post(
    '/webhooks',
    {
      config: adminOnly,
      schema: {
        tags: ['webhooks'],
        summary: 'Add a webhook',
        description:
          'Each delivery is a POST of the event as JSON with `X-InsightDesk-Event`, `X-InsightDesk-Event-Id` ' +
          '(the same for every retry of one event) and `X-InsightDesk-Signature: t=<unix seconds>,v1=<hex ' +
          'HMAC-SHA256 of "<t>.<body>" with the secret>`. Deliveries are retried with backoff (1 s doubling to ' +
          '1 h, 12 attempts) until the receiver answers 2xx.',
        body: CreateBody,
        response: { 201: CreatedWebhook, ...errors(...authErrors) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      await refuseHiddenUrl(webhookHosts, request.body.url, 'body.url');
      const created = await request.inTenant(async (tx) => {
        const row = await insertWebhook(tx, organizationId, newWebhookSecret(), request.body);
        await recordAudit(tx, {
          organizationId,
          actorId: userId,
          action: 'webhook.created',
          targetType: 'webhook',
          targetId: row.id,
          after: view(row),
        });
        return row;
      });
      const { organizationId: _org, ...shown } = created;
      return reply.code(201).send(shown);
    },
  );

  app.patch(
    '/webhooks/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['webhooks'],
        summary: 'Change a webhook (URL, events, description, active)',
        params: IdParams,
        body: UpdateBody,
        response: { 200: WebhookView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const { organizationId, userId } = request.principal;
      return request.inTenant(async (tx) => {
        const before = await findWebhook(tx, organizationId, request.params.id);
        // Not found first: another organisation's webhook answers as a missing one, whatever the body.
        if (!before) throw notFound('webhook');
        if (request.body.url !== undefined) await refuseHiddenUrl(webhookHosts, request.body.url, 'body.url');
        const row = await updateWebhook(tx, organizationId, before.id, request.body);
        await recordAudit(tx, {
          organizationId,
          actorId: userId,
          action: 'webhook.updated',
          targetType: 'webhook',
          targetId: before.id,
          before: view(before),
          after: view(row!),
        });
        return view(row!);
      });
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['webhooks'],
        summary: 'Remove a webhook and its delivery log',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      await request.inTenant(async (tx) => {
        const row = await deleteWebhook(tx, organizationId, request.params.id);
        if (!row) throw notFound('webhook');
        await recordAudit(tx, {
          organizationId,
          actorId: userId,
          action: 'webhook.deleted',
          targetType: 'webhook',
          targetId: row.id,
          before: view(row),
        });
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: adminOnly,
      schema: {
        tags: ['webhooks'],
        summary: `The webhook’s deliveries, newest first (${DELIVERY_LOG_LIMIT} a page)`,
        params: IdParams,
        querystring: DeliveryQuery,
        response: { 200: Type.Object({ data: Type.Array(DeliveryView) }), ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const { organizationId } = request.principal;
      const before = request.query.before ? new Date(request.query.before) : undefined;
      const rows = await request.inTenant(async (tx) => {
        if (!(await findWebhook(tx, organizationId, request.params.id))) throw notFound('webhook');
        return webhookDeliveryLog(tx, organizationId, request.params.id, before);
      });
      return {
        data: rows.map((d) => ({
          id: d.id,
          eventId: d.eventId,
          eventType: d.eventType,
          status: d.status,
          attempts: d.attempts,
          lastStatusCode: d.lastStatusCode,
          lastError: d.lastError,
          nextAttemptAt: d.nextAttemptAt,
          deliveredAt: d.deliveredAt,
          createdAt: d.createdAt,
        })),
      };
    },
  );

  app.post(
    '/webhooks/:id/test',
    {
      config: adminOnly,
      schema: {
        tags: ['webhooks'],
        summary: 'Queue a `ping` delivery to the webhook',
        params: IdParams,
        response: { 202: Type.Object({ deliveryId: Uuid, eventId: Uuid }), ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      const { organizationId } = request.principal;
      const queued = await request.inTenant(async (tx) => {
        const hook = await findWebhook(tx, organizationId, request.params.id);
        if (!hook) throw notFound('webhook');
        return queuePingDelivery(tx, organizationId, hook);
      });
      return reply.code(202).send(queued);
    },
  );
};
