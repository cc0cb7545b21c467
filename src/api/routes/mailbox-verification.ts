import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DatabaseHandle } from '../../db/client.js';
import { newMessageId } from '../../db/ids.js';
import { recordAudit } from '../../db/queries/audit-logs.js';
import {
  findMailbox,
  findMailboxByVerificationHash,
  markMailboxVerified,
  startMailboxVerification,
} from '../../db/queries/mailboxes.js';
import { findOrganization } from '../../db/queries/organizations.js';
import { DAY_MS, HOUR_MS } from '../../domain/vocabulary.js';
import { mailboxVerificationMail } from '../../mail/templates.js';
import { hashApiToken, newMailboxVerificationToken } from '../auth/tokens.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, conflict, conflictOnDuplicate, notFound } from '../errors.js';
import { rateLimiter } from '../plugins/rate-limit.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, IdParams, Timestamp } from '../schemas/common.js';
import type { SignInLimiters } from '../sign-in-limits.js';

/** How long a verification link works. */
export const VERIFICATION_TTL_MS = DAY_MS;

const alreadyVerified = () => conflict('this mailbox is verified already');

/** An admin asks for the verification email of a mailbox: the link in it proves the address is theirs. */
export const mailboxVerificationRoutes: FastifyPluginAsyncTypebox<ApiDeps & { apiUrl: string }> = async (
  app,
  { db, mailer, defaultFrom, apiUrl },
) => {
  // Each email goes to an address the organisation merely claims: few per mailbox, or it is a spam relay.
  const perMailbox = rateLimiter(db, {
    name: 'mailbox-verification-mail',
    max: 3,
    windowMs: HOUR_MS,
    keyOf: (request) => (request.params as { id: string }).id,
    message:
      'a verification email was sent to this mailbox several times this hour; wait before asking again',
  });
  app.post(
    '/mailboxes/:id/verification',
    {
      config: adminOnly,
      preHandler: perMailbox.preHandler,
      schema: {
        tags: ['admin'],
        summary: 'Email a single-use verification link to the mailbox address',
        description:
          'Mail sent to an unverified address is not routed to the organisation (`POST /inbound`), and mail ' +
          'is not sent as it. The address is verified by opening the emailed link, or when the mailbox ' +
          'reader logs in as the address on an IMAP server of the address’s own domain. A newer email ' +
          'replaces the previous link. 502 `mail_failed`: nothing was sent.',
        params: IdParams,
        response: {
          202: Type.Object({ sentTo: Type.String(), expiresAt: Timestamp }),
          ...errors(...authErrors, 404, 409, 429, 502),
        },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const { token, tokenHash } = newMailboxVerificationToken();
      const sent = await request.inTenant(async (tx) => {
        const mailbox = await findMailbox(tx, organizationId, request.params.id);
        if (!mailbox) throw notFound('mailbox');
        if (mailbox.verifiedAt) throw alreadyVerified();
        const started = (await startMailboxVerification(tx, mailbox, tokenHash))!;
        const expiresAt = new Date(started.verificationSentAt!.getTime() + VERIFICATION_TTL_MS);
        const org = await findOrganization(tx, organizationId);
        await recordAudit(tx, {
          organizationId,
          actorId: userId,
          action: 'mailbox.verification_sent',
          targetType: 'mailbox',
          targetId: mailbox.id,
          after: { address: mailbox.address, expiresAt },
        });
        const content = mailboxVerificationMail({
          organizationName: org!.name,
          address: mailbox.address,
          link: `${apiUrl}/mailbox-verification?token=${token}`,
          expiresAt,
        });
        // Sent before the commit and not through the outbox, like invitations: the link exists nowhere else.
        try {
          await mailer.send({
            from: defaultFrom,
            to: [mailbox.address],
            messageId: newMessageId(defaultFrom),
            ...content,
          });
        } catch (error) {
          request.log.warn({ err: error, mailboxId: mailbox.id }, 'mailbox verification email not sent');
          throw new ApiError(502, 'mail_failed', 'the verification email could not be sent; try again');
        }
        return { sentTo: mailbox.address, expiresAt };
      });
      return reply.code(202).send(sent);
    },
  );
};

/** The link of the verification email: public, the token is the credential. */
export const mailboxVerificationLinkRoutes: FastifyPluginAsyncTypebox<{
  db: DatabaseHandle;
  limits: SignInLimiters;
}> = async (app, { db, limits }) => {
  app.get(
    '/mailbox-verification',
    {
      preHandler: limits.perAddress('mailbox-verification-address').preHandler,
      schema: {
        tags: ['admin'],
        summary: 'Confirm a support address (the link of the verification email)',
        description:
          'Unknown or used link: 404; expired: 410 `verification_expired`; another organisation verified ' +
          'the address first: 409 `address_taken`.',
        security: [],
        querystring: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: {
          200: Type.Object({ address: Type.String(), verified: Type.Literal(true) }),
          ...errors(400, 404, 409, 410, 429),
        },
      },
    },
    async (request) => {
      const mailbox = await findMailboxByVerificationHash(db.adminDb, hashApiToken(request.query.token));
      if (!mailbox) {
        throw new ApiError(404, 'not_found', 'this verification link is unknown or was used or replaced');
      }
      if (mailbox.verificationSentAt!.getTime() + VERIFICATION_TTL_MS < Date.now()) {
        throw new ApiError(
          410,
          'verification_expired',
          'this link expired; ask for a new verification email',
        );
      }
      // On the owner connection: whether another organisation verified the address is invisible under RLS.
      const outcome = await conflictOnDuplicate(
        markMailboxVerified(db.adminDb, mailbox.id),
        'another organisation verified this address first',
      );
      if (outcome === 'taken') {
        throw new ApiError(409, 'address_taken', 'another organisation verified this address first');
      }
      await db.withTenant({ organizationId: mailbox.organizationId }, (tx) =>
        recordAudit(tx, {
          organizationId: mailbox.organizationId,
          actorId: null,
          action: 'mailbox.verified',
          targetType: 'mailbox',
          targetId: mailbox.id,
          after: { address: mailbox.address, by: 'verification email' },
        }),
      );
      return { address: mailbox.address, verified: true as const };
    },
  );
};
