import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  OAUTH_PROVIDERS,
  type OAuthClient,
  OAuthError,
  type ProviderIdentity,
  requireVerifiedEmail,
} from '../../auth/oauth.js';
import type { DatabaseHandle } from '../../db/client.js';
import {
  consumeVerification,
  createAccount,
  findLinkedAccount,
  findUser,
  findUserByEmail,
  insertVerification,
  linkAccount,
  markEmailVerified,
  recordSignIn,
  staffMemberships,
} from '../../db/queries/sign-in.js';
import type { User } from '../../db/schema/index.js';
import { MINUTE_MS } from '../../domain/vocabulary.js';
import { startSession } from '../auth/sign-in.js';
import { hashApiToken } from '../auth/tokens.js';
import { ApiError, forbidden } from '../errors.js';
import type { SessionOptions } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';

/** Binds a sign-in's round trip to the browser that started it (login CSRF). */
const STATE_COOKIE = 'insightdesk_oauth_state';
const STATE_LIFETIME_MS = 10 * MINUTE_MS;

const ProviderParams = Type.Object(
  { provider: Type.String({ maxLength: 20 }) },
  { additionalProperties: false },
);

const param = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
/**
 * What providers send back, sized to what they send (a request line stays far below Node's 16 KiB header
 * limit); Google's extra parameters (`scope`, `iss`, `authuser`, …) are accepted as they come.
 */
const CallbackQuery = Type.Object(
  { code: param(512), state: param(128), error: param(64), error_description: param(256) },
  { additionalProperties: Type.String({ maxLength: 1000 }) },
);

const OAUTH_STATUS: Record<OAuthError['code'], number> = {
  state_mismatch: 400,
  code_rejected: 400,
  email_unverified: 403,
  provider_error: 502,
  unknown_provider: 404,
};

/** The provider's refusals in the API's own error shape. */
const asApiError = (error: OAuthError) => new ApiError(OAUTH_STATUS[error.code], error.code, error.message);

/**
 * The account a provider identity signs in: the one already linked to it; else the account whose
 * address the provider verified (linked now); else a new account. Never by an address the provider has
 * not verified: anyone can put any address on a provider account.
 */
async function accountFor(db: DatabaseHandle, identity: ProviderIdentity): Promise<User> {
  const linked = await findLinkedAccount(db.adminDb, identity.provider, identity.subject);
  if (linked) return (await findUser(db.adminDb, linked.userId))!;
  const verified = requireVerifiedEmail(identity);
  const link = (user: User) =>
    linkAccount(db.adminDb, {
      userId: user.id,
      provider: identity.provider,
      providerAccountId: identity.subject,
      email: verified.email,
    });
  const existing = await findUserByEmail(db.adminDb, verified.email);
  if (existing) {
    await link(existing);
    await markEmailVerified(db.adminDb, existing.id);
    return existing;
  }
  const created = await createAccount(db.adminDb, {
    email: verified.email,
    name: identity.name ?? verified.email.split('@')[0]!,
    emailVerified: true,
  });
  const user = created ?? (await findUserByEmail(db.adminDb, verified.email))!;
  await link(user);
  return user;
}

/** Google and GitHub sign-in for browsers: start redirects to the provider, the callback signs in. */
export const oauthRoutes: FastifyPluginAsyncTypebox<{
  db: DatabaseHandle;
  oauth: OAuthClient;
  sessions: SessionOptions;
  /** Where the provider sends the browser back, and where it lands after signing in. */
  publicUrl: string;
}> = async (app, { db, oauth, sessions, publicUrl }) => {
  const redirectUri = (provider: string) => `${publicUrl}/auth/oauth/${provider}/callback`;
  const cookieOptions = {
    path: '/auth/oauth',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: sessions.secureCookies,
  };

  app.get(
    '/auth/oauth/providers',
    {
      schema: {
        tags: ['auth'],
        summary: 'The sign-in providers this installation has configured (the sign-in page’s buttons)',
        security: [],
        response: {
          200: Type.Object({ data: Type.Array(Type.Object({ name: Type.Enum(OAUTH_PROVIDERS) })) }),
        },
      },
    },
    async () => ({ data: oauth.providers.map((name) => ({ name })) }),
  );

  app.get(
    '/auth/oauth/:provider/start',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with Google or GitHub: redirects the browser to the provider',
        description: 'A provider this installation has not configured answers 404 `unknown_provider`.',
        security: [],
        params: ProviderParams,
        response: { 302: Type.Null(), ...errors(400, 404, 502) },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      const start = await oauth.beginSignIn(provider, redirectUri(provider)).catch((error: unknown) => {
        throw error instanceof OAuthError ? asApiError(error) : error;
      });
      // The PKCE verifier and nonce stay on the server; the browser only carries the state, in a cookie.
      await insertVerification(db.adminDb, {
        purpose: 'oauth_state',
        userId: null,
        identifier: provider,
        tokenHash: hashApiToken(start.state),
        value: JSON.stringify({ codeVerifier: start.codeVerifier, nonce: start.nonce }),
        expiresAt: new Date(Date.now() + STATE_LIFETIME_MS),
      });
      reply.setCookie(STATE_COOKIE, start.state, { ...cookieOptions, maxAge: STATE_LIFETIME_MS / 1000 });
      return reply.redirect(start.authorizationUrl.href, 302);
    },
  );

  app.get(
    '/auth/oauth/:provider/callback',
    {
      schema: {
        tags: ['auth'],
        summary: 'Where the provider sends the browser back: signs in and redirects to the app',
        description:
          'A forged, crossed or reused state: 400 `state_mismatch`; a replayed or refused code: 400 ' +
          '`code_rejected`; an address the provider has not verified (for a new link): 403 `email_unverified`.',
        security: [],
        params: ProviderParams,
        querystring: CallbackQuery,
        response: { 302: Type.Null(), ...errors(400, 403, 404, 502) },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      const state = typeof request.query.state === 'string' ? request.query.state : '';
      const browserState = request.cookies[STATE_COOKIE];
      reply.clearCookie(STATE_COOKIE, cookieOptions);
      const saved =
        state && browserState === state
          ? await consumeVerification(db.adminDb, 'oauth_state', hashApiToken(state))
          : undefined;
      if (!saved || saved.identifier !== provider) {
        throw new ApiError(
          400,
          'state_mismatch',
          'this sign-in was not started by this browser, or was used already',
        );
      }
      const expected = {
        state,
        ...(JSON.parse(saved.value ?? '{}') as { codeVerifier: string; nonce?: string }),
      };
      const callbackUrl = `${redirectUri(provider)}?${new URLSearchParams(request.query).toString()}`;
      let user: User;
      try {
        const identity = await oauth.completeSignIn(provider, callbackUrl, expected);
        user = await accountFor(db, identity);
      } catch (error) {
        throw error instanceof OAuthError ? asApiError(error) : error;
      }
      if (!user.isActive) throw forbidden('this account is deactivated');
      const memberships = await staffMemberships(db.adminDb, user.id);
      await startSession(db.adminDb, sessions, request, reply, {
        userId: user.id,
        organizationId: memberships.length === 1 ? memberships[0]!.id : null,
        secondFactorPending: Boolean(user.twoFactorEnabledAt),
      });
      if (!user.twoFactorEnabledAt) await recordSignIn(db.adminDb, user.id);
      return reply.redirect(`${publicUrl}/`, 302);
    },
  );
};
