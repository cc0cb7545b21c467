import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { generateRecoveryCodes, generateTotpSecret, totpUri, verifyTotp } from '../../auth/two-factor.js';
import type { DatabaseHandle } from '../../db/client.js';
import { findApiToken } from '../../db/queries/api-tokens.js';
import { personAsKnownBy } from '../../db/queries/members.js';
import { findOrganization } from '../../db/queries/organizations.js';
import {
  deleteSession,
  deleteSessions,
  disableTwoFactor,
  enableTwoFactor,
  findUser,
  findUserByEmail,
  linkedProviders,
  listSessions,
  normalEmail,
  setOwnName,
  setPasswordHash,
  setPendingTwoFactor,
  staffMemberships,
} from '../../db/queries/sign-in.js';
import type { User } from '../../db/schema/index.js';
import type { Mailer } from '../../mail/mailer.js';
import { checkPassword, hashPassword } from '../auth/passwords.js';
import { verifySecondFactor } from '../auth/second-factor.js';
import { sendAccountLink } from '../auth/sign-in.js';
import { ApiError, conflict, forbidden, notFound } from '../errors.js';
import type { Person } from '../plugins/auth.js';
import {
  authErrors,
  errors,
  IdParams,
  NewPassword,
  NoContent,
  Nullable,
  Person as PersonView,
  StaffRoleSchema,
  Timestamp,
  Uuid,
} from '../schemas/common.js';

const CurrentPassword = Type.String({ minLength: 1, maxLength: 200, writeOnly: true });

/** An account without a password proves itself by email instead: the reset link sets the first one. */
const noPassword = () =>
  new ApiError(
    409,
    'no_password',
    'this account has no password yet: ask for a link with POST /auth/password/forgot to choose one',
  );

/** The person's current password, checked; 403 when wrong, 409 when the account has none. */
async function requireCurrentPassword(user: User, password: string) {
  if (!user.passwordHash) throw noPassword();
  if (!(await checkPassword(password, user.passwordHash))) throw forbidden('currentPassword is wrong');
}

const AccountView = Type.Object({
  id: Uuid,
  name: Type.String({ description: 'The person’s own name; organisations each keep their own display name' }),
  email: Type.String(),
  emailVerified: Type.Boolean(),
  hasPassword: Type.Boolean(),
  twoFactorEnabled: Type.Boolean(),
  providers: Type.Array(Type.String(), { description: 'Linked sign-in providers: google, github' }),
  organizations: Type.Array(Type.Object({ id: Uuid, name: Type.String(), role: StaffRoleSchema })),
});

const SessionRow = Type.Object({
  id: Uuid,
  current: Type.Boolean(),
  ipAddress: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Timestamp,
});

const currentSessionId = (person: Person) =>
  person.credential.kind === 'session' ? person.credential.sessionId : undefined;

/**
 * The person's own account: only they reach it (their session, or a token they got by signing in;
 * never a token an organisation issued). Registered under `authenticatePerson`.
 */
export const accountRoutes: FastifyPluginAsyncTypebox<{
  db: DatabaseHandle;
  mailer: Mailer;
  defaultFrom: string;
  apiUrl: string;
}> = async (app, { db, mailer, defaultFrom, apiUrl }) => {
  const me = async (person: Person) => (await findUser(db.adminDb, person.userId))!;

  app.get(
    '/me/account',
    {
      schema: {
        tags: ['account'],
        summary: 'Your own account: name, address, sign-in methods and organisations',
        response: { 200: AccountView, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const user = await me(request.person);
      const providers = await linkedProviders(db.adminDb, user.id);
      const memberships = await staffMemberships(db.adminDb, user.id);
      return {
        id: user.id,
        name: user.name,
        email: user.email,
        emailVerified: user.emailVerified,
        hasPassword: Boolean(user.passwordHash),
        twoFactorEnabled: Boolean(user.twoFactorEnabledAt),
        providers,
        organizations: memberships.map(({ id, name, role }) => ({ id, name, role })),
      };
    },
  );

  app.patch(
    '/me/account',
    {
      schema: {
        tags: ['account'],
        summary: 'Change your own name (organisations keep the display names they gave you)',
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: PersonView, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const user = await setOwnName(db.adminDb, request.person.userId, request.body.name);
      return { id: user.id, name: user.name, email: user.email };
    },
  );

  app.put(
    '/me/password',
    {
      schema: {
        tags: ['account'],
        summary: 'Change your password (the current one is required)',
        description:
          'An account without a password answers 409 `no_password`: choose the first one through the ' +
          'emailed link of `POST /auth/password/forgot`. Your other sessions end.',
        body: Type.Object(
          { currentPassword: CurrentPassword, newPassword: NewPassword() },
          { additionalProperties: false },
        ),
        response: { 204: NoContent, ...errors(...authErrors, 409) },
      },
    },
    async (request, reply) => {
      const user = await me(request.person);
      await requireCurrentPassword(user, request.body.currentPassword);
      await db.adminDb.transaction(async (tx) => {
        await setPasswordHash(tx, user.id, await hashPassword(request.body.newPassword));
        await deleteSessions(tx, user.id, currentSessionId(request.person));
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/email',
    {
      schema: {
        tags: ['account'],
        summary: 'Change your email address: a confirmation link goes to the new one',
        description:
          'The address changes when the link is used (`POST /auth/email/confirm`). 202 even when the new ' +
          'address belongs to another account, which is told nothing.',
        body: Type.Object(
          { newEmail: Type.String({ format: 'email', maxLength: 320 }), currentPassword: CurrentPassword },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ message: Type.String() }), ...errors(...authErrors, 409, 502) },
      },
    },
    async (request, reply) => {
      const user = await me(request.person);
      await requireCurrentPassword(user, request.body.currentPassword);
      const to = normalEmail(request.body.newEmail);
      // A taken address gets no mail and no link: the answer is the same, so it reveals nothing.
      if (!(await findUserByEmail(db.adminDb, to))) {
        try {
          await sendAccountLink(
            db.adminDb,
            { mailer, defaultFrom, apiUrl, log: request.log },
            {
              purpose: 'change_email',
              user,
              to,
            },
          );
        } catch (error) {
          request.log.warn({ err: error }, 'email change link not sent');
          throw new ApiError(502, 'mail_failed', 'the confirmation email could not be sent; try again');
        }
      }
      return reply.code(202).send({ message: `check ${to} for the confirmation link` });
    },
  );

  app.get(
    '/me/sessions',
    {
      schema: {
        tags: ['account'],
        summary: 'Your signed-in browser sessions',
        response: { 200: Type.Object({ data: Type.Array(SessionRow) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const rows = await listSessions(db.adminDb, request.person.userId);
      const current = currentSessionId(request.person);
      return {
        data: rows.map((s) => ({
          id: s.id,
          current: s.id === current,
          ipAddress: s.ipAddress,
          userAgent: s.userAgent,
          createdAt: s.createdAt,
          lastSeenAt: s.lastSeenAt,
          expiresAt: s.expiresAt,
        })),
      };
    },
  );

  app.delete(
    '/me/sessions/:id',
    {
      schema: {
        tags: ['account'],
        summary: 'Sign out one of your sessions',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      if (!(await deleteSession(db.adminDb, request.person.userId, request.params.id)))
        throw notFound('session');
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/me/sessions',
    {
      schema: {
        tags: ['account'],
        summary: 'Sign out all your sessions (all but this one with ?keepCurrent=true)',
        querystring: Type.Object(
          { keepCurrent: Type.Optional(Type.Boolean({ default: false })) },
          { additionalProperties: false },
        ),
        response: { 204: NoContent, ...errors(...authErrors) },
      },
    },
    async (request, reply) => {
      const keep = request.query.keepCurrent ? currentSessionId(request.person) : undefined;
      await deleteSessions(db.adminDb, request.person.userId, keep);
      return reply.code(204).send(null);
    },
  );
};

/** Turning two-factor sign-in on and off: always with the person's own credentials. */
export const twoFactorRoutes: FastifyPluginAsyncTypebox<{ db: DatabaseHandle }> = async (app, { db }) => {
  const me = async (person: Person) => (await findUser(db.adminDb, person.userId))!;
  const Code = Type.String({ minLength: 6, maxLength: 32, writeOnly: true });

  app.post(
    '/me/two-factor',
    {
      schema: {
        tags: ['account'],
        summary: 'Start turning on two-factor sign-in: a new authenticator secret',
        description:
          'Add the secret (or the otpauth URI as a QR code) to an authenticator app, then confirm with ' +
          '`POST /me/two-factor/confirm`. Needs the current password when the account has one; 409 when ' +
          'two-factor sign-in is on already.',
        body: Type.Object(
          { currentPassword: Type.Optional(CurrentPassword) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ secret: Type.String(), otpauthUri: Type.String() }),
          ...errors(...authErrors, 409),
        },
      },
    },
    async (request) => {
      const user = await me(request.person);
      if (user.twoFactorEnabledAt) throw conflict('two-factor sign-in is on already; turn it off first');
      if (user.passwordHash) await requireCurrentPassword(user, request.body.currentPassword ?? '');
      const secret = generateTotpSecret();
      await setPendingTwoFactor(db.adminDb, user.id, secret);
      return { secret, otpauthUri: totpUri(user.email, secret) };
    },
  );

  app.post(
    '/me/two-factor/confirm',
    {
      schema: {
        tags: ['account'],
        summary:
          'Turn two-factor sign-in on with a code from the new secret; answers the recovery codes once',
        body: Type.Object({ code: Code }, { additionalProperties: false }),
        response: {
          200: Type.Object({ recoveryCodes: Type.Array(Type.String(), { description: 'Shown this once' }) }),
          ...errors(...authErrors, 409),
        },
      },
    },
    async (request) => {
      const user = await me(request.person);
      if (user.twoFactorEnabledAt) throw conflict('two-factor sign-in is on already');
      if (!user.twoFactorSecret) throw conflict('start with POST /me/two-factor');
      const step = verifyTotp(user.twoFactorSecret, request.body.code, new Date());
      if (step === null)
        throw new ApiError(422, 'second_factor_invalid', 'the code does not match the new secret');
      const { codes, hashes } = generateRecoveryCodes();
      await enableTwoFactor(db.adminDb, user.id, step, hashes);
      return { recoveryCodes: codes };
    },
  );

  app.delete(
    '/me/two-factor',
    {
      schema: {
        tags: ['account'],
        summary: 'Turn two-factor sign-in off (needs a current code and, when set, the password)',
        body: Type.Object(
          { code: Code, currentPassword: Type.Optional(CurrentPassword) },
          { additionalProperties: false },
        ),
        response: { 204: NoContent, ...errors(...authErrors, 409) },
      },
    },
    async (request, reply) => {
      const user = await me(request.person);
      if (!user.twoFactorEnabledAt) throw conflict('two-factor sign-in is off');
      if (user.passwordHash) await requireCurrentPassword(user, request.body.currentPassword ?? '');
      await verifySecondFactor(db.adminDb, user, request.body.code);
      await disableTwoFactor(db.adminDb, user.id);
      return reply.code(204).send(null);
    },
  );
};

const Me = Type.Object({
  user: PersonView,
  organization: Type.Object({ id: Uuid, name: Type.String() }),
  role: StaffRoleSchema,
  credential: Type.Enum(['session', 'personal_token', 'issued_token'], {
    description: 'issued_token: minted by an admin; it cannot reach your account settings',
  }),
  token: Nullable(Type.Object({ id: Uuid, name: Type.String(), expiresAt: Nullable(Timestamp) })),
});

/** Who the request speaks for in this organisation (a token or the session). */
export const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The user, organisation and role of the token or session',
        response: { 200: Me, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { userId, organizationId, role, credential } = request.principal;
      return request.inTenant(async (tx) => {
        // The organisation's name for the person: an admin-issued token must not learn the account's own.
        const user = await personAsKnownBy(tx, organizationId, userId);
        const org = await findOrganization(tx, organizationId);
        const token =
          credential.kind === 'token'
            ? await findApiToken(tx, organizationId, credential.tokenId)
            : undefined;
        return {
          user: { id: user!.id, name: user!.name, email: user!.email },
          organization: { id: org!.id, name: org!.name },
          role,
          credential:
            credential.kind === 'session'
              ? ('session' as const)
              : credential.personal
                ? ('personal_token' as const)
                : ('issued_token' as const),
          token: token ? { id: token.id, name: token.name, expiresAt: token.expiresAt } : null,
        };
      });
    },
  );
};
