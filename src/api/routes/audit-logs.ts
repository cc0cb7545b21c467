import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listAuditLogs } from '../../db/queries/audit-logs.js';
import { invalidInput } from '../errors.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, Nullable, Timestamp, Uuid } from '../schemas/common.js';

const Snapshot = Type.Unsafe<Record<string, unknown> | null>({
  type: ['object', 'null'],
  additionalProperties: true,
  description: 'The object as JSON (secrets left out); null when it did not exist',
});

const AuditLogView = Type.Object({
  id: Uuid,
  action: Type.String({ examples: ['sla_policy.updated'] }),
  actorId: Nullable(Uuid),
  targetType: Type.String({ examples: ['sla_policy', 'mailbox', 'member', 'token'] }),
  targetId: Nullable(Uuid),
  before: Snapshot,
  after: Snapshot,
  createdAt: Timestamp,
});

const Query = Type.Object(
  {
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, examples: ['member.role_changed'] })),
    actorId: Type.Optional(Type.String({ format: 'uuid' })),
    targetType: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    targetId: Type.Optional(Type.String({ format: 'uuid' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive' })),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  },
  { additionalProperties: false },
);

/** The organisation's audit log, newest first: admins and owners only. */
export const auditLogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/audit-logs',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Admin actions (SLA policies, mailboxes, members, tokens), newest first',
        querystring: Query,
        response: {
          200: Type.Object({
            data: Type.Array(AuditLogView),
            pagination: Type.Object({
              page: Type.Integer(),
              limit: Type.Integer(),
              total: Type.Integer(),
              totalPages: Type.Integer(),
            }),
          }),
          ...errors(...authErrors),
        },
      },
    },
    async (request) => {
      const { action, actorId, targetType, targetId, from, to, page = 1, limit = 50 } = request.query;
      if (from && to && new Date(from) >= new Date(to)) {
        throw invalidInput([{ field: 'querystring.from', message: 'must be before to' }]);
      }
      const filter = {
        action,
        actorId,
        targetType,
        targetId,
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
      };
      const { rows, total } = await request.inTenant((tx) =>
        listAuditLogs(tx, request.principal.organizationId, filter, { page, limit }),
      );
      return {
        data: rows.map(({ organizationId: _org, ...row }) => row),
        pagination: { page, limit, total, totalPages: Math.ceil(total / limit) },
      };
    },
  );
};
