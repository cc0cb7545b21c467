import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Queryable } from '../../db/client.js';
import { newMessageId } from '../../db/ids.js';
import {
  findUserByEmail,
  insertSession,
  insertVerification,
  retireVerifications,
} from '../../db/queries/sign-in.js';
import type { User, VerificationPurpose } from '../../db/schema/index.js';
import { HOUR_MS } from '../../domain/vocabulary.js';
import type { Mailer } from '../../mail/mailer.js';
import { type AccountMailKind, accountMail } from '../../mail/templates.js';
import { ApiError, unauthenticated } from '../errors.js';
import { SESSION_COOKIE, type SessionOptions } from '../plugins/auth.js';
import { checkPassword } from './passwords.js';
import { newSecret } from './tokens.js';

/** How long each emailed link works. */
export const LINK_LIFETIME_MS: Record<Exclude<VerificationPurpose, 'oauth_state'>, number> = {
  verify_email: 48 * HOUR_MS,
  reset_password: 1 * HOUR_MS,
  change_email: 24 * HOUR_MS,
};

export interface AccountMailDeps {
  mailer: Mailer;
  /** The sender of account mail: the installation's, never an organisation's. */
  defaultFrom: string;
  /** Where people reach the API and, later, the web app (links in the mail). */
  apiUrl: string;
  log: FastifyBaseLogger;
}

/**
 * Emails a single-use link of `purpose` to `to` for `user`, retiring the person's older links of the same
 * purpose. Only the link's hash is stored; the mail is the only place the secret is written.
 */
export async function sendAccountLink(
  db: Queryable,
  deps: AccountMailDeps,
  input: { purpose: keyof typeof LINK_LIFETIME_MS; user: Pick<User, 'id'>; to: string },
) {
  const { token, tokenHash } = newSecret('link');
  const expiresAt = new Date(Date.now() + LINK_LIFETIME_MS[input.purpose]);
  await retireVerifications(db, input.user.id, input.purpose);
  await insertVerification(db, {
    purpose: input.purpose,
    userId: input.user.id,
    identifier: input.to,
    tokenHash,
    expiresAt,
  });
  await sendAccountMail(deps, input.to, { kind: input.purpose, token, expiresAt, apiUrl: deps.apiUrl });
}

export async function sendAccountMail(
  deps: Pick<AccountMailDeps, 'mailer' | 'defaultFrom'>,
  to: string,
  facts: { kind: AccountMailKind; token?: string; expiresAt?: Date; apiUrl: string },
) {
  const content = accountMail(facts);
  await deps.mailer.send({
    from: deps.defaultFrom,
    to: [to],
    messageId: newMessageId(deps.defaultFrom),
    ...content,
  });
}

/**
 * Mail whose sending must not tell the caller anything (sign-up, forgotten password): a failure is
 * logged, and the answer stays the same whether or not an account exists.
 */
export async function sendQuietly(log: FastifyBaseLogger, send: () => Promise<void>) {
  try {
    await send();
  } catch (error) {
    log.warn({ err: error }, 'account email not sent');
  }
}

export const wrongCredentials = () => unauthenticated('wrong email or password');

/**
 * The account behind an email and password, or 401 — in the same time whether or not the address has
 * an account. An unverified address cannot sign in (403 `email_not_verified`).
 */
export async function accountByPassword(db: Database, email: string, password: string): Promise<User> {
  const user = await findUserByEmail(db, email);
  const passwordOk = await checkPassword(password, user?.passwordHash);
  if (!user || !passwordOk || !user.isActive) throw wrongCredentials();
  return user;
}

export const emailNotVerified = () =>
  new ApiError(
    403,
    'email_not_verified',
    'confirm your email address first: we sent a new confirmation link to it',
  );

/** Starts a browser session: the cookie gets the secret, the table its hash. */
export async function startSession(
  db: Queryable,
  options: SessionOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  input: { userId: string; organizationId: string | null; secondFactorPending: boolean },
) {
  const { token, tokenHash } = newSecret('session');
  const expiresAt = new Date(Date.now() + options.absoluteHours * HOUR_MS);
  const session = await insertSession(db, {
    userId: input.userId,
    tokenHash,
    csrfToken: randomBytes(24).toString('base64url'),
    organizationId: input.organizationId,
    secondFactorPending: input.secondFactorPending ? 'totp' : null,
    ipAddress: request.ip,
    userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
    expiresAt,
  });
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secureCookies,
    expires: expiresAt,
  });
  return session;
}

export function clearSessionCookie(reply: FastifyReply, options: SessionOptions) {
  reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secureCookies,
  });
}
