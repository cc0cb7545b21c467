import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { DatabaseHandle } from '../../db/client.js';
import {
  changeEmail,
  consumeVerification,
  createAccount,
  deleteSession,
  endSignIns,
  findUser,
  findUserByEmail,
  markEmailVerified,
  normalEmail,
  recordSignIn,
  type StaffMembership,
  setPasswordHash,
  staffMemberships,
  updateSession,
  verificationState,
} from '../../db/queries/sign-in.js';
import type { Session, User, VerificationPurpose } from '../../db/schema/index.js';
import { DAY_MS } from '../../domain/vocabulary.js';
import type { Mailer } from '../../mail/mailer.js';
import { type LoginOptions, LoginResponse, loginResponse } from '../auth/login.js';
import { hashPassword } from '../auth/passwords.js';
import { verifySecondFactor } from '../auth/second-factor.js';
import {
  accountByPassword,
  clearSessionCookie,
  emailNotVerified,
  sendAccountLink,
  sendAccountMail,
  sendQuietly,
  startSession,
} from '../auth/sign-in.js';
import { hashApiToken, issueApiToken } from '../auth/tokens.js';
import { ApiError, conflictOnDuplicate, forbidden } from '../errors.js';
import { authenticatePerson, type SessionOptions, sessionRole } from '../plugins/auth.js';
import {
  errors,
  NewPassword,
  NoContent,
  Nullable,
  Person,
  StaffRoleSchema,
  Timestamp,
  Uuid,
} from '../schemas/common.js';
import type { SignInLimiters } from '../sign-in-limits.js';

export interface SignInOptions {
  sessions: SessionOptions;
  /** Where people reach the API: the links of account emails. */
  apiUrl: string;
}

const Email = Type.String({ format: 'email', maxLength: 320 });
const Password = Type.String({ minLength: 1, maxLength: 200, writeOnly: true });
const LinkToken = Type.String({ minLength: 1, maxLength: 200, writeOnly: true });
const SecondFactorCode = Type.String({
  minLength: 6,
  maxLength: 32,
  writeOnly: true,
  description: 'A 6-digit code of the authenticator app, or one of the recovery codes',
});

const LoginBody = Type.Object(
  {
    email: Email,
    password: Password,
    organizationId: Type.Optional(Uuid),
    code: Type.Optional(SecondFactorCode),
  },
  { additionalProperties: false },
);

/** The organisation a sign-in acts in: the one asked for, else the only one; 403/422 otherwise. */
function chooseOrganization(memberships: StaffMembership[], wanted: string | undefined) {
  if (!memberships.length) throw forbidden('this account has no agent access');
  const chosen = wanted
    ? memberships.find((m) => m.id === wanted)
    : memberships.length === 1 && memberships[0];
  if (wanted && !chosen) throw forbidden('this account has no agent access to that organisation');
  if (!chosen) {
    throw new ApiError(422, 'organization_required', 'choose an organisation with organizationId', {
      organizations: memberships.map(({ id, name, role }) => ({ id, name, role })),
    });
  }
  return chosen;
}

/** Email-and-password checks shared by the token login and the browser sign-in. */
async function passwordSignIn(
  db: DatabaseHandle,
  mail: MailDeps,
  request: FastifyRequest,
  email: string,
  password: string,
) {
  const user = await accountByPassword(db.adminDb, email, password);
  if (!user.emailVerified) {
    // Only someone who knows the password can make us mail the address again.
    await sendQuietly(request.log, () =>
      sendAccountLink(
        db.adminDb,
        { ...mail, log: request.log },
        { purpose: 'verify_email', user, to: user.email },
      ),
    );
    throw emailNotVerified();
  }
  return user;
}

interface MailDeps {
  mailer: Mailer;
  defaultFrom: string;
  apiUrl: string;
}

/** Why a link was refused, in words that tell the person what to do next. */
async function refusedLink(db: DatabaseHandle, purpose: VerificationPurpose, token: string) {
  const state = await verificationState(db.adminDb, purpose, hashApiToken(token));
  if (state === 'used') return new ApiError(409, 'link_used', 'this link has been used already');
  if (state === 'expired')
    return new ApiError(410, 'link_expired', 'this link has expired; ask for a new one');
  return new ApiError(404, 'not_found', 'no such link; check the email, or ask for a new one');
}

async function useLink(db: DatabaseHandle, purpose: VerificationPurpose, token: string) {
  const link = await consumeVerification(db.adminDb, purpose, hashApiToken(token));
  if (!link?.userId) throw await refusedLink(db, purpose, token);
  return { ...link, userId: link.userId };
}

const SessionView = Type.Object({
  user: Person,
  organizationId: Nullable(Uuid),
  organizations: Type.Array(Type.Object({ id: Uuid, name: Type.String(), role: StaffRoleSchema })),
  csrfToken: Type.String({
    description: 'Send it as X-CSRF-Token with every write made with the session cookie',
  }),
  twoFactorPending: Type.Boolean(),
  expiresAt: Timestamp,
});

async function sessionView(
  db: DatabaseHandle,
  session: Session,
  user: User,
): Promise<Static<typeof SessionView>> {
  const memberships = await staffMemberships(db.adminDb, user.id);
  return {
    user: { id: user.id, name: user.name, email: user.email },
    organizationId: session.organizationId,
    organizations: memberships.map(({ id, name, role }) => ({ id, name, role })),
    csrfToken: session.csrfToken,
    twoFactorPending: Boolean(session.secondFactorPending),
    expiresAt: session.expiresAt,
  };
}

const accepted = (reply: FastifyReply, message: string) => reply.code(202).send({ message });
const Accepted = Type.Object({ message: Type.String() });

/** Sign-in for API clients (a bearer token) and for browsers (a session cookie), plus the emailed links. */
export const loginRoutes: FastifyPluginAsyncTypebox<{
  db: DatabaseHandle;
  login: LoginOptions;
  limits: SignInLimiters;
  signIn: SignInOptions;
  mailer: Mailer;
  defaultFrom: string;
}> = async (app, { db, login, limits, signIn, mailer, defaultFrom }) => {
  const mail: MailDeps = { mailer, defaultFrom, apiUrl: signIn.apiUrl };

  app.post(
    '/auth/login',
    {
      preHandler: limits.login,
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for an API token',
        description:
          'A user of several organisations picks one with `organizationId` (or the `X-Organization-Id` ' +
          'header); without it the answer is 422 `organization_required` listing the choices. An account ' +
          'with two-factor sign-in also sends `code` (401 `second_factor_required` without it). An ' +
          'unconfirmed address answers 403 `email_not_verified` and gets a new confirmation link.',
        security: [],
        headers: Type.Object({ 'x-organization-id': Type.Optional(Uuid) }),
        body: LoginBody,
        response: { 201: LoginResponse, ...errors(400, 401, 403, 422, 429) },
      },
    },
    async (request, reply) => {
      const { email, password, code } = request.body;
      const user = await passwordSignIn(db, mail, request, email, password);
      if (user.twoFactorEnabledAt) await verifySecondFactor(db.adminDb, user, code);
      const wanted = request.body.organizationId ?? request.headers['x-organization-id'];
      const chosen = chooseOrganization(await staffMemberships(db.adminDb, user.id), wanted);
      await sessionRole(db, user.id, chosen.id);
      const issued = await db.withTenant({ organizationId: chosen.id, userId: user.id }, async (tx) =>
        issueApiToken(tx, {
          organizationId: chosen.id,
          userId: user.id,
          name: 'password login',
          // Made by the person: a personal token, which may reach the account's own settings.
          createdById: user.id,
          expiresAt: new Date(Date.now() + login.tokenDays * DAY_MS),
        }),
      );
      await recordSignIn(db.adminDb, user.id);
      return reply.code(201).send(loginResponse(issued, user, chosen, chosen.role));
    },
  );

  app.post(
    '/auth/sign-in',
    {
      preHandler: limits.login,
      schema: {
        tags: ['auth'],
        summary: 'Sign in a browser with email and password (sets the session cookie)',
        description:
          'The session cookie is httpOnly and SameSite=Lax; writes made with it need the answer’s ' +
          '`csrfToken` in X-CSRF-Token. With two-factor sign-in on, `twoFactorPending` is true until ' +
          '`POST /auth/two-factor`. An unconfirmed address answers 403 `email_not_verified`.',
        security: [],
        body: Type.Object({ email: Email, password: Password }, { additionalProperties: false }),
        response: { 200: SessionView, ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const user = await passwordSignIn(db, mail, request, request.body.email, request.body.password);
      const memberships = await staffMemberships(db.adminDb, user.id);
      const session = await startSession(db.adminDb, signIn.sessions, request, reply, {
        userId: user.id,
        organizationId: memberships.length === 1 ? memberships[0]!.id : null,
        secondFactorPending: Boolean(user.twoFactorEnabledAt),
      });
      if (!user.twoFactorEnabledAt) await recordSignIn(db.adminDb, user.id);
      return sessionView(db, session, user);
    },
  );

  app.post(
    '/auth/sign-up',
    {
      preHandler: limits.signUp,
      schema: {
        tags: ['auth'],
        summary: 'Create an account; a confirmation link is emailed to the address',
        description:
          'Always 202, whether or not the address has an account already (that address is told so by ' +
          'email instead), so the answer reveals nothing about other people’s accounts.',
        security: [],
        body: Type.Object(
          { email: Email, name: Type.String({ minLength: 1, maxLength: 200 }), password: NewPassword() },
          { additionalProperties: false },
        ),
        response: { 202: Accepted, ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      const { email, name, password } = request.body;
      const passwordHash = await hashPassword(password);
      const created = await createAccount(db.adminDb, { email, name, passwordHash });
      await sendQuietly(request.log, async () => {
        if (created) {
          await sendAccountLink(
            db.adminDb,
            { ...mail, log: request.log },
            {
              purpose: 'verify_email',
              user: created,
              to: created.email,
            },
          );
        } else {
          // An existing account is never changed by a sign-up: its owner is told, and may reset.
          await sendAccountMail(mail, normalEmail(email), { kind: 'account_exists', apiUrl: mail.apiUrl });
        }
      });
      return accepted(reply, 'check your email to confirm the address');
    },
  );

  app.post(
    '/auth/verify-email',
    {
      preHandler: limits.emailedLink,
      schema: {
        tags: ['auth'],
        summary: 'Confirm an email address with the emailed link’s token',
        description: 'Unknown token: 404; used: 409 `link_used`; expired: 410 `link_expired`.',
        security: [],
        body: Type.Object({ token: LinkToken }, { additionalProperties: false }),
        response: { 204: NoContent, ...errors(400, 404, 409, 410, 429) },
      },
    },
    async (request, reply) => {
      const link = await useLink(db, 'verify_email', request.body.token);
      await markEmailVerified(db.adminDb, link.userId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/password/forgot',
    {
      preHandler: limits.forgotPassword,
      schema: {
        tags: ['auth'],
        summary: 'Email a single-use link to choose a new password',
        description: 'Always 202: the answer does not tell whether the address has an account.',
        security: [],
        body: Type.Object({ email: Email }, { additionalProperties: false }),
        response: { 202: Accepted, ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      const user = await findUserByEmail(db.adminDb, request.body.email);
      if (user?.isActive) {
        await sendQuietly(request.log, () =>
          sendAccountLink(
            db.adminDb,
            { ...mail, log: request.log },
            { purpose: 'reset_password', user, to: user.email },
          ),
        );
      }
      return accepted(reply, 'if the address has an account, a link to choose a new password is on its way');
    },
  );

  app.post(
    '/auth/password/reset',
    {
      preHandler: limits.emailedLink,
      schema: {
        tags: ['auth'],
        summary: 'Choose a new password with the emailed link’s token',
        description:
          'Ends every session and signed-in token of the account (tokens an admin issued stay). The link ' +
          'also confirms the address. Unknown token: 404; used: 409; expired: 410.',
        security: [],
        body: Type.Object({ token: LinkToken, newPassword: NewPassword() }, { additionalProperties: false }),
        response: { 204: NoContent, ...errors(400, 404, 409, 410, 429) },
      },
    },
    async (request, reply) => {
      const passwordHash = await hashPassword(request.body.newPassword);
      const link = await useLink(db, 'reset_password', request.body.token);
      await db.adminDb.transaction(async (tx) => {
        await setPasswordHash(tx, link.userId, passwordHash);
        await markEmailVerified(tx, link.userId);
        await endSignIns(tx, link.userId);
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/email/confirm',
    {
      preHandler: limits.emailedLink,
      schema: {
        tags: ['auth'],
        summary: 'Confirm a change of the account’s email address with the emailed link’s token',
        description: 'Unknown token: 404; used: 409; expired: 410; the address taken meanwhile: 409.',
        security: [],
        body: Type.Object({ token: LinkToken }, { additionalProperties: false }),
        response: { 204: NoContent, ...errors(400, 404, 409, 410, 429) },
      },
    },
    async (request, reply) => {
      const link = await useLink(db, 'change_email', request.body.token);
      await conflictOnDuplicate(
        changeEmail(db.adminDb, link.userId, link.identifier),
        'that address belongs to another account now',
      );
      return reply.code(204).send(null);
    },
  );

  // The browser session's own routes: the cookie is the credential, whatever organisation is chosen.
  await app.register(async (scope) => {
    const withSession = scope.withTypeProvider<TypeBoxTypeProvider>();
    withSession.addHook(
      'onRequest',
      authenticatePerson(db, signIn.sessions, { sessionOnly: true, allowSecondFactorPending: true }),
    );

    withSession.get(
      '/auth/session',
      {
        schema: {
          tags: ['auth'],
          summary: 'The signed-in person, their organisations and the CSRF token',
          response: { 200: SessionView, ...errors(401, 403) },
        },
      },
      async (request) => {
        const session = request.person.session!;
        return sessionView(db, session, (await findUser(db.adminDb, session.userId))!);
      },
    );

    withSession.put(
      '/auth/session/organization',
      {
        schema: {
          tags: ['auth'],
          summary: 'Choose the organisation the session works in',
          body: Type.Object({ organizationId: Uuid }, { additionalProperties: false }),
          response: { 200: SessionView, ...errors(400, 401, 403) },
        },
      },
      async (request) => {
        const session = request.person.session!;
        if (session.secondFactorPending)
          throw new ApiError(401, 'second_factor_required', 'finish signing in first');
        await sessionRole(db, session.userId, request.body.organizationId);
        const updated = await updateSession(db.adminDb, session.id, {
          organizationId: request.body.organizationId,
        });
        return sessionView(db, updated!, (await findUser(db.adminDb, session.userId))!);
      },
    );

    withSession.post(
      '/auth/two-factor',
      {
        preHandler: limits.secondFactor,
        schema: {
          tags: ['auth'],
          summary: 'Finish a browser sign-in with the second factor',
          description: 'A 6-digit authenticator code (each good once) or a recovery code (each good once).',
          body: Type.Object({ code: SecondFactorCode }, { additionalProperties: false }),
          response: { 200: SessionView, ...errors(400, 401, 403, 409, 429) },
        },
      },
      async (request) => {
        const session = request.person.session!;
        if (!session.secondFactorPending)
          throw new ApiError(409, 'conflict', 'this session is signed in already');
        const user = (await findUser(db.adminDb, session.userId))!;
        await verifySecondFactor(db.adminDb, user, request.body.code);
        const done = await updateSession(db.adminDb, session.id, { secondFactorPending: null });
        await recordSignIn(db.adminDb, user.id);
        return sessionView(db, done!, user);
      },
    );

    withSession.post(
      '/auth/sign-out',
      {
        schema: {
          tags: ['auth'],
          summary: 'End this browser session',
          response: { 204: NoContent, ...errors(401, 403) },
        },
      },
      async (request, reply) => {
        const session = request.person.session!;
        await deleteSession(db.adminDb, session.userId, session.id);
        clearSessionCookie(reply, signIn.sessions);
        return reply.code(204).send(null);
      },
    );
  });
};
