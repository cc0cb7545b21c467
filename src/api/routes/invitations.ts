import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import { Type } from 'typebox';
import type { DatabaseHandle, Tx } from '../../db/client.js';
import { newMessageId } from '../../db/ids.js';
import { recordAudit } from '../../db/queries/audit-logs.js';
import { findEmailTemplate } from '../../db/queries/email-templates.js';
import {
  claimInvitation,
  findInvitation,
  findInvitationByTokenHash,
  invitationState,
  invitationView,
  listInvitations,
  recordAcceptedBy,
  replaceOpenInvitation,
  revokeInvitation,
} from '../../db/queries/invitations.js';
import { mailSender } from '../../db/queries/mailboxes.js';
import {
  ensureMember,
  findMember,
  findMemberByEmail,
  promoteMember,
  setDisplayName,
} from '../../db/queries/members.js';
import { findOrganization } from '../../db/queries/organizations.js';
import {
  createAccount,
  findUserByEmail,
  markEmailVerified,
  setPasswordHash,
} from '../../db/queries/sign-in.js';
import type { OrganizationInvitation, User } from '../../db/schema/index.js';
import { DAY_MS, HOUR_MS, USER_ROLES } from '../../domain/vocabulary.js';
import type { Mailer } from '../../mail/mailer.js';
import { invitationMail } from '../../mail/templates.js';
import { type LoginOptions, LoginResponse, loginResponse } from '../auth/login.js';
import { checkPassword, hashPassword } from '../auth/passwords.js';
import { verifySecondFactor } from '../auth/second-factor.js';
import { hashApiToken, issueApiToken, newInvitationToken } from '../auth/tokens.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, conflict, conflictOnDuplicate, forbidden, notFound, unprocessable } from '../errors.js';
import { isStaffRole } from '../plugins/auth.js';
import { adminOnly } from '../route-helpers.js';
import {
  authErrors,
  errors,
  IdParams,
  NewPassword,
  NoContent,
  Nullable,
  Timestamp,
  Uuid,
} from '../schemas/common.js';
import type { SignInLimiters } from '../sign-in-limits.js';

export interface InvitationOptions {
  /** How long an invitation can be accepted. */
  ttlHours: number;
  /** Where invitees reach the API; the email shows them the request to send there. */
  apiUrl: string;
}

const InvitationView = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: Type.Enum(USER_ROLES),
  state: Type.Enum(['open', 'accepted', 'revoked', 'expired'], {
    description: 'open until accepted, revoked (or replaced by a newer invitation) or expired',
  }),
  invitedBy: Nullable(Uuid),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  acceptedAt: Nullable(Timestamp),
  acceptedBy: Nullable(Uuid),
  revokedAt: Nullable(Timestamp),
});

/** Why a token's invitation cannot be accepted any more; each answer tells the invitee what to do. */
function unusable(inv: OrganizationInvitation): ApiError {
  switch (invitationState(inv)) {
    case 'accepted':
      return new ApiError(
        409,
        'invitation_used',
        'this invitation has already been accepted; log in instead',
      );
    case 'revoked':
      return new ApiError(
        410,
        'invitation_revoked',
        'this invitation was revoked or replaced by a newer one; use the latest invitation email or ask an admin',
      );
    default:
      return new ApiError(
        410,
        'invitation_expired',
        `this invitation expired at ${inv.expiresAt.toISOString()}; ask an admin to invite you again`,
      );
  }
}

async function refuseStaffMember(tx: Tx, organizationId: string, email: string) {
  const member = await findMemberByEmail(tx, organizationId, email);
  // A customer (someone who once wrote to support) can still be invited to work on the tickets.
  if (member && isStaffRole(member.role)) {
    throw conflict(`${email} is already a member (${member.role}): change the role with PATCH /members/{id}`);
  }
}

/**
 * Sends the invitation email before the transaction commits, and not through the outbox: the outbox
 * keeps message bodies in the database, and this body holds the token, which must exist nowhere but in
 * the email. Sending inside the transaction keeps "saved" and "sent" together: a refused email rolls the
 * invitation back (the admin sees 502 and tries again); the rare commit failure after a sent email
 * leaves a token that matches nothing and answers 404.
 */
async function sendInvitationEmail(
  tx: Tx,
  {
    mailer,
    defaultFrom,
    apiUrl,
    log,
  }: { mailer: Mailer; defaultFrom: string; apiUrl: string; log: FastifyBaseLogger },
  invitation: OrganizationInvitation,
  token: string,
) {
  const org = await findOrganization(tx, invitation.organizationId);
  // The inviter as this organisation knows them, not their account's own name.
  const inviter = invitation.invitedBy
    ? await findMember(tx, invitation.organizationId, invitation.invitedBy)
    : undefined;
  const sender = await mailSender(tx, invitation.organizationId, defaultFrom);
  const content = invitationMail(
    {
      organizationName: org!.name,
      inviterName: inviter?.name ?? org!.name,
      role: invitation.role,
      token,
      expiresAt: invitation.expiresAt,
      apiUrl,
    },
    await findEmailTemplate(tx, invitation.organizationId, 'invitation'),
  );
  try {
    await mailer.send({
      from: sender.address,
      fromName: sender.name,
      to: [invitation.email],
      messageId: newMessageId(sender.address),
      ...content,
    });
  } catch (error) {
    log.warn({ err: error, invitationId: invitation.id }, 'invitation email not sent');
    throw new ApiError(
      502,
      'mail_failed',
      'the invitation email could not be sent; nothing was saved, try again',
    );
  }
}

export const invitationRoutes: FastifyPluginAsyncTypebox<
  ApiDeps & { invitations: InvitationOptions }
> = async (app, { mailer, defaultFrom, invitations }) => {
  app.get(
    '/invitations',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'List the organisation’s invitations with their state (never their tokens)',
        response: { 200: Type.Object({ data: Type.Array(InvitationView) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const rows = await request.inTenant((tx) => listInvitations(tx, request.principal.organizationId));
      const now = new Date();
      return { data: rows.map((row) => invitationView(row, now)) };
    },
  );

  app.post(
    '/invitations',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Invite someone by email to join as an agent or admin',
        description:
          'Emails a single-use token that `POST /invitations/accept` exchanges for a membership and a first ' +
          'API token. Inviting the same address again replaces its open invitation (the old token stops ' +
          'working). 502 `mail_failed`: the email could not be sent and nothing was saved.',
        body: Type.Object(
          {
            email: Type.String({ format: 'email', maxLength: 320 }),
            role: Type.Optional(Type.Enum(['agent', 'admin'], { default: 'agent' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: InvitationView, ...errors(...authErrors, 409, 502) },
      },
    },
    async (request, reply) => {
      const caller = request.principal;
      const email = request.body.email.trim().toLowerCase();
      const role = request.body.role ?? 'agent';
      const { token, tokenHash } = newInvitationToken();
      const invitation = await request.inTenant(async (tx) => {
        await refuseStaffMember(tx, caller.organizationId, email);
        const { replaced, created } = await conflictOnDuplicate(
          replaceOpenInvitation(tx, {
            organizationId: caller.organizationId,
            email,
            role,
            invitedBy: caller.userId,
            tokenHash,
            expiresAt: new Date(Date.now() + invitations.ttlHours * HOUR_MS),
          }),
          `${email} is being invited by someone else at this moment; try again`,
        );
        const audit = {
          organizationId: caller.organizationId,
          actorId: caller.userId,
          targetType: 'invitation',
        };
        if (replaced) {
          await recordAudit(tx, {
            ...audit,
            action: 'invitation.revoked',
            targetId: replaced.id,
            before: invitationView({ ...replaced, revokedAt: null }),
            after: { ...invitationView(replaced), replacedBy: created.id },
          });
        }
        await recordAudit(tx, {
          ...audit,
          action: 'invitation.created',
          targetId: created.id,
          after: invitationView(created),
        });
        await sendInvitationEmail(
          tx,
          { mailer, defaultFrom, apiUrl: invitations.apiUrl, log: request.log },
          created,
          token,
        );
        return created;
      });
      return reply.code(201).send(invitationView(invitation));
    },
  );

  app.delete(
    '/invitations/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Revoke an invitation (its token stops working at once)',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404, 409) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const { id } = request.params;
      await request.inTenant(async (tx) => {
        const revoked = await revokeInvitation(tx, organizationId, id);
        if (revoked) {
          await recordAudit(tx, {
            organizationId,
            actorId: userId,
            action: 'invitation.revoked',
            targetType: 'invitation',
            targetId: id,
            before: invitationView({ ...revoked, revokedAt: null }),
            after: invitationView(revoked),
          });
          return;
        }
        const existing = await findInvitation(tx, organizationId, id);
        if (!existing) throw notFound('invitation');
        if (existing.acceptedAt) throw conflict('the invitation was accepted: remove the member instead');
        // Already revoked: nothing to do, as with a second DELETE of a token.
      });
      return reply.code(204).send(null);
    },
  );
};

/**
 * The account that accepts: a new one (the emailed token proves the address, so it starts verified), or
 * the existing one — whose holder signs in with its password (and second factor) to accept, because an
 * invitation must never be a way around them. An existing account without a password may choose its
 * first one here, as with a reset link.
 */
async function acceptingAccount(
  db: DatabaseHandle,
  email: string,
  body: { name: string; password?: string; code?: string },
): Promise<User> {
  const existing = await findUserByEmail(db.adminDb, email);
  if (!existing) {
    const passwordHash = body.password ? await hashPassword(body.password) : null;
    const created = await createAccount(db.adminDb, {
      email,
      name: body.name,
      passwordHash,
      emailVerified: true,
    });
    if (created) return created;
    return acceptingAccount(db, email, body);
  }
  if (!existing.isActive) throw forbidden('this account is deactivated');
  if (existing.passwordHash) {
    if (!body.password || !(await checkPassword(body.password, existing.passwordHash))) {
      throw new ApiError(
        403,
        'password_required',
        'this address has an account: accept with its password (and two-factor code), or reset the password first',
      );
    }
    if (existing.twoFactorEnabledAt) await verifySecondFactor(db.adminDb, existing, body.code);
  } else if (body.password) {
    await setPasswordHash(db.adminDb, existing.id, await hashPassword(body.password));
  }
  await markEmailVerified(db.adminDb, existing.id);
  return existing;
}

export const invitationAcceptRoutes: FastifyPluginAsyncTypebox<{
  db: DatabaseHandle;
  login: LoginOptions;
  limits: SignInLimiters;
}> = async (app, { db, login, limits }) => {
  app.post(
    '/invitations/accept',
    {
      // The token is a secret like a password: guessing is slowed down the same way.
      preHandler: limits.invitationAccept,
      schema: {
        tags: ['auth'],
        summary: 'Accept an emailed invitation: join the organisation and get a first API token',
        description:
          '`name` is what the organisation will call you. A new account is created (with `password`, for ' +
          'signing in); an address that has an account with a password accepts with that password (and ' +
          '`code` with two-factor sign-in): 403 `password_required` otherwise. Unknown token: 404; expired: ' +
          '410 `invitation_expired`; revoked or replaced: 410 `invitation_revoked`; already accepted: 409 ' +
          '`invitation_used`.',
        security: [],
        body: Type.Object(
          {
            token: Type.String({ minLength: 1, maxLength: 200, writeOnly: true }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            password: Type.Optional(NewPassword('A new account’s password, or the existing account’s')),
            code: Type.Optional(Type.String({ minLength: 6, maxLength: 32, writeOnly: true })),
          },
          { additionalProperties: false },
        ),
        response: { 201: LoginResponse, ...errors(400, 401, 402, 403, 404, 409, 410, 422, 429) },
      },
    },
    async (request, reply) => {
      const { token, name } = request.body;
      const found = await findInvitationByTokenHash(db.adminDb, hashApiToken(token));
      if (!found) {
        throw new ApiError(404, 'not_found', 'no invitation has this token; check the invitation email');
      }
      const { organizationId } = found;
      if (invitationState(found) !== 'open') throw unusable(found);
      const user = await acceptingAccount(db, found.email, request.body);
      const granted = await db.withTenant({ organizationId, userId: user.id }, async (tx) => {
        const claimed = await claimInvitation(tx, organizationId, found.id);
        if (!claimed) throw unusable((await findInvitation(tx, organizationId, found.id))!);

        const org = await findOrganization(tx, organizationId);
        if (!org!.isActive) throw forbidden('the organisation is deactivated');
        await ensureMember(tx, organizationId, { email: claimed.email, name, role: claimed.role });
        // A customer of the organisation becomes staff; someone made admin meanwhile stays admin.
        await promoteMember(tx, organizationId, user.id, claimed.role);
        // The name the person chose to give this organisation.
        await setDisplayName(tx, organizationId, user.id, name);
        const accepted = await recordAcceptedBy(tx, claimed.id, user.id);
        const { role } = (await findMember(tx, organizationId, user.id))!;
        if (!isStaffRole(role)) throw unprocessable('this invitation grants no access to the agents’ API');
        const issued = await issueApiToken(tx, {
          organizationId,
          userId: user.id,
          name: 'invitation',
          createdById: user.id,
          expiresAt: new Date(Date.now() + login.tokenDays * DAY_MS),
        });
        await recordAudit(tx, {
          organizationId,
          actorId: user.id,
          action: 'invitation.accepted',
          targetType: 'invitation',
          targetId: claimed.id,
          before: invitationView({ ...accepted, acceptedAt: null, acceptedBy: null }),
          after: { ...invitationView(accepted), memberRole: role },
        });
        return { org: org!, role, issued };
      });
      const { org, role, issued } = granted;
      return reply.code(201).send(loginResponse(issued, { ...user, name }, org, role));
    },
  );
};
