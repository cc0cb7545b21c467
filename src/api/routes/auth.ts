import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, eq, inArray } from 'drizzle-orm';
import { type Static, Type } from 'typebox';
import type { DatabaseHandle } from '../../db/client.js';
import { apiTokens, organizations, userOrganizations, users } from '../../db/schema/index.js';
import { checkPassword, hashPassword } from '../auth/passwords.js';
import { issueApiToken } from '../auth/tokens.js';
import { ApiError, forbidden, unauthenticated } from '../errors.js';
import { isStaffRole } from '../plugins/auth.js';
import {
  authErrors,
  errors,
  NewPassword,
  NoContent,
  Nullable,
  Person,
  STAFF_ROLES,
  StaffRoleSchema,
  Timestamp,
  Uuid,
} from '../schemas/common.js';
import type { SignInLimiters, SignInLimitOptions } from '../sign-in-limits.js';

export interface LoginOptions extends SignInLimitOptions {
  /** Lifetime of the issued token. */
  tokenDays: number;
}

const DAY_MS = 86_400_000;

const LoginBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
    organizationId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

/** A newly issued token with who and where it acts (login, accepted invitation). */
export const LoginResponse = Type.Object({
  token: Type.String({ description: 'Shown once: only its hash is stored' }),
  tokenId: Uuid,
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  user: Person,
  organization: Type.Object({ id: Uuid, name: Type.String() }),
  role: StaffRoleSchema,
});

/** The answer of a login (and of accepting an invitation): the new token, once, and whom it speaks for. */
export function loginResponse(
  issued: Awaited<ReturnType<typeof issueApiToken>>,
  user: { id: string; name: string; email: string },
  organization: { id: string; name: string },
  role: Static<typeof LoginResponse>['role'],
): Static<typeof LoginResponse> {
  return {
    token: issued.token,
    tokenId: issued.id,
    expiresAt: issued.expiresAt?.toISOString() ?? null,
    user: { id: user.id, name: user.name, email: user.email },
    organization: { id: organization.id, name: organization.name },
    role,
  };
}

export const loginRoutes: FastifyPluginAsyncTypebox<{
  db: DatabaseHandle;
  login: LoginOptions;
  limits: SignInLimiters;
}> = async (app, { db, login, limits }) => {
  app.post(
    '/auth/login',
    {
      preHandler: limits.login,
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for an API token',
        description:
          'A user of several organisations picks one with `organizationId` (or the `X-Organization-Id` ' +
          'header); without it the answer is 422 `organization_required` listing the choices.',
        security: [],
        headers: Type.Object({ 'x-organization-id': Type.Optional(Uuid) }),
        body: LoginBody,
        response: { 201: LoginResponse, ...errors(400, 401, 403, 422, 429) },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const wanted = request.body.organizationId ?? request.headers['x-organization-id'];
      // Before the organisation is chosen there is no tenant yet: the account and its memberships are
      // read on the owner connection, like the token lookup.
      const [user] = await db.adminDb.select().from(users).where(eq(users.email, email.toLowerCase()));
      const passwordOk = await checkPassword(password, user?.passwordHash);
      if (!user || !passwordOk || !user.isActive) throw unauthenticated('wrong email or password');

      const rows = await db.adminDb
        .select({ id: organizations.id, name: organizations.name, role: userOrganizations.role })
        .from(userOrganizations)
        .innerJoin(organizations, eq(organizations.id, userOrganizations.organizationId))
        .where(
          and(
            eq(userOrganizations.userId, user.id),
            inArray(userOrganizations.role, [...STAFF_ROLES]),
            eq(organizations.isActive, true),
          ),
        );
      const memberships = rows.flatMap((m) => (isStaffRole(m.role) ? [{ ...m, role: m.role }] : []));
      if (!memberships.length) throw forbidden('this account has no agent access');
      const chosen = wanted
        ? memberships.find((m) => m.id === wanted)
        : memberships.length === 1 && memberships[0];
      if (wanted && !chosen) throw forbidden('this account has no agent access to that organisation');
      if (!chosen) {
        throw new ApiError(422, 'organization_required', 'choose an organisation with organizationId', {
          organizations: memberships,
        });
      }

      const issued = await db.withTenant({ organizationId: chosen.id, userId: user.id }, async (tx) => {
        await tx.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id));
        return issueApiToken(tx, {
          organizationId: chosen.id,
          userId: user.id,
          name: 'password login',
          createdById: user.id,
          expiresAt: new Date(Date.now() + login.tokenDays * DAY_MS),
        });
      });
      return reply.code(201).send(loginResponse(issued, user, chosen, chosen.role));
    },
  );
};

const Me = Type.Object({
  user: Person,
  organization: Type.Object({ id: Uuid, name: Type.String() }),
  role: StaffRoleSchema,
  token: Type.Object({ id: Uuid, name: Type.String(), expiresAt: Nullable(Timestamp) }),
});

/** The caller's own account: who the token speaks for, and their password. */
export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The user, organisation and role of the token',
        response: { 200: Me, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { userId, organizationId, tokenId, role } = request.principal;
      return request.inTenant(async (tx) => {
        const [user] = await tx.select().from(users).where(eq(users.id, userId));
        const [org] = await tx.select().from(organizations).where(eq(organizations.id, organizationId));
        const [token] = await tx.select().from(apiTokens).where(eq(apiTokens.id, tokenId));
        return {
          user: { id: user!.id, name: user!.name, email: user!.email },
          organization: { id: org!.id, name: org!.name },
          role,
          token: { id: tokenId, name: token!.name, expiresAt: token!.expiresAt },
        };
      });
    },
  );

  app.put(
    '/me/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set or change the caller’s password (for login)',
        body: Type.Object(
          {
            currentPassword: Type.Optional(
              Type.String({ maxLength: 200, description: 'Required once a password is set' }),
            ),
            newPassword: NewPassword(),
          },
          { additionalProperties: false },
        ),
        response: { 204: NoContent, ...errors(...authErrors) },
      },
    },
    async (request, reply) => {
      const { currentPassword, newPassword } = request.body;
      await request.inTenant(async (tx) => {
        const [user] = await tx.select().from(users).where(eq(users.id, request.principal.userId));
        if (user!.passwordHash && !(await checkPassword(currentPassword ?? '', user!.passwordHash))) {
          throw forbidden('currentPassword is wrong');
        }
        await tx
          .update(users)
          .set({ passwordHash: await hashPassword(newPassword), updatedAt: new Date() })
          .where(eq(users.id, user!.id));
      });
      return reply.code(204).send(null);
    },
  );
};
