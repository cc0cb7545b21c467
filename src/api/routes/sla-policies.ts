import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../../db/queries/audit-logs.js';
import {
  deleteSlaPolicy,
  demoteOtherDefaultPolicies,
  findSlaPolicy,
  insertSlaPolicy,
  listSlaPolicies,
  lockSlaPolicy,
  updateSlaPolicy,
} from '../../db/queries/sla-policies.js';
import type { SlaPolicy } from '../../db/schema/index.js';
import { conflictOnDuplicate, notFound } from '../errors.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, IdParams, NoContent, Nullable, Timestamp, Uuid } from '../schemas/common.js';
import { TicketPriority } from '../schemas/tickets.js';

const Minutes = Type.Integer({ minimum: 1, maximum: 525_600 });

const SlaPolicyView = Type.Object({
  id: Uuid,
  name: Type.String(),
  priority: TicketPriority,
  firstResponseTime: Type.Integer({ description: 'Minutes to the first agent response' }),
  nextResponseTime: Nullable(
    Type.Integer({ description: 'Minutes to answer each later customer message; null for no such SLA' }),
  ),
  resolutionTime: Type.Integer({ description: 'Minutes to resolution' }),
  businessHoursOnly: Type.Boolean(),
  isDefault: Type.Boolean({ description: 'The policy new tickets of this priority get (one per priority)' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  priority: TicketPriority,
  firstResponseTime: Minutes,
  nextResponseTime: Nullable(Minutes),
  resolutionTime: Minutes,
  businessHoursOnly: Type.Boolean(),
  isDefault: Type.Boolean(),
};
const CreateBody = Type.Object(
  {
    name: fields.name,
    priority: fields.priority,
    firstResponseTime: fields.firstResponseTime,
    resolutionTime: fields.resolutionTime,
    nextResponseTime: Type.Optional(fields.nextResponseTime),
    businessHoursOnly: Type.Optional(Type.Boolean({ default: true })),
    isDefault: Type.Optional(Type.Boolean({ default: false, description: 'Replaces the current default' })),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 });

/** Two concurrent requests may both make a default; the unique index lets one win. */
const oneDefaultPerPriority = <T>(write: Promise<T>) =>
  conflictOnDuplicate(write, 'another default policy for this priority was just saved');

/** SLA policies apply to tickets opened (or re-prioritised) after the change. */
export const slaPolicyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/sla-policies',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'List SLA policies',
        response: { 200: Type.Object({ data: Type.Array(SlaPolicyView) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const data = await request.inTenant((tx) => listSlaPolicies(tx, request.principal.organizationId));
      return { data };
    },
  );

  app.get(
    '/sla-policies/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'One SLA policy',
        params: IdParams,
        response: { 200: SlaPolicyView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const found = await request.inTenant((tx) =>
        findSlaPolicy(tx, request.principal.organizationId, request.params.id),
      );
      if (!found) throw notFound('SLA policy');
      return found;
    },
  );

  app.post(
    '/sla-policies',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Create an SLA policy',
        body: CreateBody,
        response: { 201: SlaPolicyView, ...errors(...authErrors, 409) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const created = await oneDefaultPerPriority(
        request.inTenant(async (tx) => {
          if (request.body.isDefault) {
            await demoteOtherDefaultPolicies(tx, organizationId, request.body.priority);
          }
          const row = await insertSlaPolicy(tx, organizationId, request.body);
          await recordAudit(tx, {
            organizationId,
            actorId: userId,
            action: 'sla_policy.created',
            targetType: 'sla_policy',
            targetId: row.id,
            after: row,
          });
          return row;
        }),
      );
      return reply.code(201).send(created);
    },
  );

  app.patch(
    '/sla-policies/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Change an SLA policy',
        params: IdParams,
        body: UpdateBody,
        response: { 200: SlaPolicyView, ...errors(...authErrors, 404, 409) },
      },
    },
    async (request) => {
      const { organizationId, userId } = request.principal;
      const { id } = request.params;
      const updated: SlaPolicy | undefined = await oneDefaultPerPriority(
        request.inTenant(async (tx) => {
          const current = await lockSlaPolicy(tx, organizationId, id);
          if (!current) return undefined;
          const next = { ...current, ...request.body };
          if (next.isDefault) await demoteOtherDefaultPolicies(tx, organizationId, next.priority, id);
          const row = await updateSlaPolicy(tx, organizationId, id, request.body);
          await recordAudit(tx, {
            organizationId,
            actorId: userId,
            action: 'sla_policy.updated',
            targetType: 'sla_policy',
            targetId: id,
            before: current,
            after: row,
          });
          return row;
        }),
      );
      if (!updated) throw notFound('SLA policy');
      return updated;
    },
  );

  app.delete(
    '/sla-policies/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Delete an SLA policy (tickets of its priority fall back to the built-in times)',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const deleted = await request.inTenant(async (tx) => {
        const row = await deleteSlaPolicy(tx, organizationId, request.params.id);
        if (row) {
          await recordAudit(tx, {
            organizationId,
            actorId: userId,
            action: 'sla_policy.deleted',
            targetType: 'sla_policy',
            targetId: row.id,
            before: row,
          });
        }
        return row;
      });
      if (!deleted) throw notFound('SLA policy');
      return reply.code(204).send(null);
    },
  );
};
