import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import { recordAudit } from '../../db/queries/audit-logs.js';
import {
  ensureMember,
  findMember,
  listMembers,
  type Member,
  removeMember,
  setDisplayName,
  setMemberRole,
} from '../../db/queries/members.js';
import type { UserRole } from '../../db/schema/index.js';
import { USER_ROLES } from '../../domain/vocabulary.js';
import { ApiError, conflict, forbidden, notFound } from '../errors.js';
import type { Principal } from '../plugins/auth.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, IdParams, NoContent, Timestamp, Uuid } from '../schemas/common.js';

const Role = Type.Enum(USER_ROLES);

const MemberView = Type.Object({
  userId: Uuid,
  email: Type.String(),
  name: Type.String(),
  role: Role,
  isActive: Type.Boolean(),
  joinedAt: Timestamp,
});

const AddBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 320 }),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'What this organisation calls the person' }),
    ),
    role: Role,
  },
  { additionalProperties: false },
);

const ChangeBody = Type.Object(
  {
    role: Type.Optional(Role),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'This organisation’s name for them' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Owners are made, changed and removed by owners only. */
function requireRightsOver(caller: Principal, ...roles: UserRole[]) {
  if (roles.includes('owner') && caller.role !== 'owner') throw forbidden('only an owner can manage owners');
}

/** The member, checked to be changeable by the caller, and not the organisation's last owner. */
async function changeableMember(
  tx: Tx,
  caller: Principal,
  userId: string,
  newRole?: UserRole,
): Promise<Member> {
  const member = await findMember(tx, caller.organizationId, userId);
  if (!member) throw notFound('member');
  requireRightsOver(caller, member.role, ...(newRole ? [newRole] : []));
  if (member.role === 'owner' && newRole !== 'owner') {
    const owners = await listMembers(tx, caller.organizationId, 'owner');
    if (owners.length === 1) throw conflict('the organisation must keep at least one owner');
  }
  return member;
}

export const memberRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/members',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'List the organisation’s members (agents, admins, owners and customers)',
        querystring: Type.Object({ role: Type.Optional(Role) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(MemberView) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const data = await request.inTenant((tx) =>
        listMembers(tx, request.principal.organizationId, request.query.role),
      );
      return { data };
    },
  );

  app.get(
    '/members/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'One member, by user id',
        params: IdParams,
        response: { 200: MemberView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const member = await request.inTenant((tx) =>
        findMember(tx, request.principal.organizationId, request.params.id),
      );
      if (!member) throw notFound('member');
      return member;
    },
  );

  app.post(
    '/members',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Add a customer by email',
        description:
          'Staff (agent, admin, owner) join by invitation only (`POST /invitations`): 422 ' +
          '`invitation_required`. The name is this organisation’s own for the person; an existing ' +
          'account is neither shown nor changed.',
        body: AddBody,
        response: { 201: MemberView, ...errors(...authErrors, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = request.principal;
      const { email, name, role } = request.body;
      if (role !== 'customer') {
        throw new ApiError(
          422,
          'invitation_required',
          'agents, admins and owners join by invitation: POST /invitations',
        );
      }
      const member = await request.inTenant(async (tx) => {
        const { user, created } = await ensureMember(tx, caller.organizationId, { email, name, role });
        if (!created) throw conflict('already a member: change them with PATCH /members/{id}');
        const added = (await findMember(tx, caller.organizationId, user.id))!;
        await recordAudit(tx, {
          organizationId: caller.organizationId,
          actorId: caller.userId,
          action: 'member.added',
          targetType: 'member',
          targetId: user.id,
          after: added,
        });
        return added;
      });
      return reply.code(201).send(member);
    },
  );

  app.patch(
    '/members/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Change a member’s role or this organisation’s name for them',
        description:
          'A customer made agent, admin or owner takes one of the plan’s seats: 402 when none is left.',
        params: IdParams,
        body: ChangeBody,
        response: { 200: MemberView, ...errors(...authErrors, 402, 404, 409) },
      },
    },
    async (request) => {
      const caller = request.principal;
      const { id } = request.params;
      return request.inTenant(async (tx) => {
        const { role, name } = request.body;
        const member = await changeableMember(tx, caller, id, role);
        if (role) await setMemberRole(tx, caller.organizationId, id, role);
        if (name) await setDisplayName(tx, caller.organizationId, id, name);
        const after = (await findMember(tx, caller.organizationId, id))!;
        await recordAudit(tx, {
          organizationId: caller.organizationId,
          actorId: caller.userId,
          action: role ? 'member.role_changed' : 'member.renamed',
          targetType: 'member',
          targetId: id,
          before: member,
          after,
        });
        return after;
      });
    },
  );

  app.delete(
    '/members/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Remove a member; their API tokens for this organisation are revoked',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404, 409) },
      },
    },
    async (request, reply) => {
      const caller = request.principal;
      const { id } = request.params;
      await request.inTenant(async (tx) => {
        const member = await changeableMember(tx, caller, id);
        await recordAudit(tx, {
          organizationId: caller.organizationId,
          actorId: caller.userId,
          action: 'member.removed',
          targetType: 'member',
          targetId: id,
          before: member,
        });
        await removeMember(tx, caller.organizationId, id);
      });
      return reply.code(204).send(null);
    },
  );
};
