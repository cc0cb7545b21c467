import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findApiToken, listApiTokens, revokeApiToken } from '../../db/queries/api-tokens.js';
import { recordAudit } from '../../db/queries/audit-logs.js';
import { findMember } from '../../db/queries/members.js';
import { DAY_MS } from '../../domain/vocabulary.js';
import { issueApiToken } from '../auth/tokens.js';
import { forbidden, notFound, unprocessable } from '../errors.js';
import { isStaffRole } from '../plugins/auth.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, IdParams, NoContent, Nullable, Timestamp, Uuid } from '../schemas/common.js';

const TokenView = Type.Object({
  id: Uuid,
  name: Type.String(),
  tokenPrefix: Type.String({ description: 'The first characters of the token, to tell tokens apart' }),
  userId: Uuid,
  createdById: Nullable(Uuid),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  expiresAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
});

const CreatedToken = Type.Object({
  ...TokenView.properties,
  token: Type.String({ description: 'The secret: shown this once, only its hash is stored' }),
});

/** What the audit log keeps of a token: never its secret or hash. */
function tokenSnapshot(t: {
  id: string;
  name: string;
  tokenPrefix: string;
  userId: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
}) {
  return {
    id: t.id,
    name: t.name,
    tokenPrefix: t.tokenPrefix,
    userId: t.userId,
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
  };
}

export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tokens',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'List the organisation’s API tokens (never their secrets)',
        response: { 200: Type.Object({ data: Type.Array(TokenView) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const data = await request.inTenant((tx) => listApiTokens(tx, request.principal.organizationId));
      return { data };
    },
  );

  app.post(
    '/tokens',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Create an API token for a member (the caller by default)',
        description:
          'A token minted for someone else belongs to the organisation (integrations): it works on the ' +
          'organisation’s routes but never on that person’s account settings (`/me/account`, password, ' +
          'email, sessions, two-factor).',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            userId: Type.Optional(Uuid),
            expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedToken, ...errors(...authErrors, 422) },
      },
    },
    async (request, reply) => {
      const caller = request.principal;
      const { name, userId = caller.userId, expiresInDays } = request.body;
      const issued = await request.inTenant(async (tx) => {
        const member = await findMember(tx, caller.organizationId, userId);
        if (!member || !isStaffRole(member.role) || !member.isActive) {
          throw unprocessable('userId must be an active agent, admin or owner of this organisation');
        }
        // A token acts as its user: only owners may mint one that acts as an owner.
        if (member.role === 'owner' && caller.role !== 'owner')
          throw forbidden('only an owner can create an owner’s token');
        const created = await issueApiToken(tx, {
          organizationId: caller.organizationId,
          userId,
          name,
          createdById: caller.userId,
          expiresAt: expiresInDays ? new Date(Date.now() + expiresInDays * DAY_MS) : null,
        });
        await recordAudit(tx, {
          organizationId: caller.organizationId,
          actorId: caller.userId,
          action: 'token.created',
          targetType: 'token',
          targetId: created.id,
          after: tokenSnapshot(created),
        });
        return created;
      });
      return reply.code(201).send(issued);
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Revoke a token (it stops working at once); an owner’s tokens only by an owner',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId, role } = request.principal;
      const [token] = await request.inTenant(async (tx) => {
        const target = await findApiToken(tx, organizationId, request.params.id);
        if (!target) return [];
        // An owner's tokens are the owners' to manage: an admin cannot lock an owner out.
        const holder = await findMember(tx, organizationId, target.userId);
        if (holder?.role === 'owner' && role !== 'owner')
          throw forbidden('only an owner can revoke an owner’s token');
        const revoked = await revokeApiToken(tx, organizationId, target.id);
        if (revoked) {
          await recordAudit(tx, {
            organizationId,
            actorId: userId,
            action: 'token.revoked',
            targetType: 'token',
            targetId: revoked.id,
            before: tokenSnapshot({ ...revoked, revokedAt: null }),
            after: tokenSnapshot(revoked),
          });
        }
        return [target];
      });
      if (!token) throw notFound('token');
      return reply.code(204).send(null);
    },
  );
};
