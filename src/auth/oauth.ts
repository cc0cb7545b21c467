import { timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';

/**
 * Sign-in with Google (OpenID Connect) and GitHub (OAuth 2, not OIDC), built on openid-client.
 * Authorization code flow with PKCE (S256) and a random state for both, plus a nonce for Google.
 * The caller keeps what beginSignIn returns server-side, bound to the browser (a short-lived cookie
 * naming a verifications row), and hands it back to completeSignIn on the callback.
 *
 * The identity returned says what the provider vouches for; it does not decide sign-in. An account is
 * found by (provider, subject); linking to an existing account or creating one needs
 * `requireVerifiedEmail`, never the email alone.
 */

export const OAUTH_PROVIDERS = ['google', 'github'] as const;
export type OAuthProviderName = (typeof OAUTH_PROVIDERS)[number];

export interface OAuthSettings {
  google?: {
    clientId: string;
    clientSecret: string;
    /** Where discovery starts; tests point it at a local provider. */
    issuer?: string;
  };
  github?: {
    clientId: string;
    clientSecret: string;
    authorizeUrl?: string;
    tokenUrl?: string;
    /** The REST API root, for `GET /user` and `GET /user/emails`. */
    apiUrl?: string;
  };
  /** Seconds allowed for each request to a provider. */
  timeoutSeconds?: number;
}

export const GOOGLE_ISSUER = 'https://accounts.google.com';
export const GITHUB_AUTHORIZE_URL = 'https://github.com/login/oauth/authorize';
export const GITHUB_TOKEN_URL = 'https://github.com/login/oauth/access_token';
export const GITHUB_API_URL = 'https://api.github.com';

export type OAuthErrorCode =
  /** The callback's state is missing or is not the one this browser was given: a forged or crossed callback. */
  | 'state_mismatch'
  /** The provider refused the code: replayed, expired, issued to another request, or a wrong PKCE verifier. */
  | 'code_rejected'
  /** The provider vouches for no verified email, and the caller needs one (linking or creating an account). */
  | 'email_unverified'
  /** The provider answered with an error (the person declined, say) or something this client cannot accept. */
  | 'provider_error'
  /** Not a provider name, or one this installation has not configured. */
  | 'unknown_provider';

export class OAuthError extends Error {
  override name = 'OAuthError';

  constructor(
    readonly code: OAuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SignInStart {
  authorizationUrl: URL;
  state: string;
  /** Google only: the ID token must carry it back. */
  nonce?: string;
  codeVerifier: string;
}

export type SignInExpectation = Omit<SignInStart, 'authorizationUrl'>;

export interface ProviderIdentity {
  provider: OAuthProviderName;
  /** The provider's stable id for the person (Google's `sub`, GitHub's numeric user id). */
  subject: string;
  /** Google's `email` claim; GitHub's primary email. Null when the provider shares none. */
  email: string | null;
  /** Whether the provider itself verified that address (Google's `email_verified`, GitHub's `verified`). */
  emailVerified: boolean;
  name: string | null;
}

export type VerifiedIdentity = ProviderIdentity & { email: string; emailVerified: true };

export interface OAuthClient {
  /** The providers this installation has configured. */
  readonly providers: OAuthProviderName[];
  beginSignIn(provider: string, redirectUri: string): Promise<SignInStart>;
  /**
   * Checks the callback against what beginSignIn returned and exchanges the code. `callbackUrl` is the
   * redirect URI exactly as registered plus the query the provider added (build it from the configured
   * public URL, not from request headers): without its query it is sent as `redirect_uri`.
   */
  completeSignIn(
    provider: string,
    callbackUrl: string | URL,
    expected: SignInExpectation,
  ): Promise<ProviderIdentity>;
}

/** The identity, when the provider vouches for its email; throws `email_unverified` otherwise. */
export function requireVerifiedEmail(identity: ProviderIdentity): VerifiedIdentity {
  if (identity.email === null || !identity.emailVerified)
    throw new OAuthError(
      'email_unverified',
      `${identity.provider} has not verified an email for this person`,
    );
  return identity as VerifiedIdentity;
}

interface Provider {
  configuration(): Promise<client.Configuration>;
  scope: string;
  usesNonce: boolean;
  identity(
    tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  ): Promise<ProviderIdentity>;
}

export function createOAuthClient(settings: OAuthSettings): OAuthClient {
  const timeout = settings.timeoutSeconds ?? 10;
  const providers = new Map<OAuthProviderName, Provider>();
  if (settings.google) providers.set('google', googleProvider(settings.google, timeout));
  if (settings.github) providers.set('github', githubProvider(settings.github, timeout));

  const providerFor = (name: string) => {
    const provider = providers.get(name as OAuthProviderName);
    if (!provider)
      throw new OAuthError('unknown_provider', `no sign-in provider named ${JSON.stringify(name)}`);
    return provider;
  };

  return {
    providers: [...providers.keys()],

    async beginSignIn(name, redirectUri) {
      const provider = providerFor(name);
      const config = await providerCall(() => provider.configuration());
      const state = client.randomState();
      const codeVerifier = client.randomPKCECodeVerifier();
      const nonce = provider.usesNonce ? client.randomNonce() : undefined;
      const authorizationUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: provider.scope,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        ...(nonce === undefined ? {} : { nonce }),
      });
      return { authorizationUrl, state, codeVerifier, ...(nonce === undefined ? {} : { nonce }) };
    },

    async completeSignIn(name, callbackUrl, expected) {
      const provider = providerFor(name);
      const callback = new URL(callbackUrl);
      // Checked here, before anything is sent anywhere, so a forged callback never reaches the provider.
      if (!sameSecret(callback.searchParams.get('state'), expected.state))
        throw new OAuthError('state_mismatch', 'the sign-in callback does not belong to this browser');
      if (provider.usesNonce && !expected.nonce)
        throw new TypeError(`${name} sign-in needs the nonce it began with`);
      const config = await providerCall(() => provider.configuration());
      const tokens = await providerCall(() =>
        client.authorizationCodeGrant(config, callback, {
          expectedState: expected.state,
          pkceCodeVerifier: expected.codeVerifier,
          ...(provider.usesNonce ? { expectedNonce: expected.nonce, idTokenExpected: true } : {}),
        }),
      );
      return providerCall(() => provider.identity(tokens));
    },
  };
}

function googleProvider(settings: NonNullable<OAuthSettings['google']>, timeout: number): Provider {
  const issuer = new URL(settings.issuer ?? GOOGLE_ISSUER);
  let discovered: Promise<client.Configuration> | undefined;
  return {
    scope: 'openid email profile',
    usesNonce: true,
    configuration() {
      discovered ??= client
        .discovery(issuer, settings.clientId, settings.clientSecret, client.ClientSecretPost(), {
          timeout,
          // The ID token's signature is checked against the issuer's keys, not only its claims.
          execute: [
            client.enableNonRepudiationChecks,
            ...(isLoopbackHttp(issuer) ? [client.allowInsecureRequests] : []),
          ],
        })
        .catch((error: unknown) => {
          discovered = undefined; // the next sign-in tries again
          throw error;
        });
      return discovered;
    },
    async identity(tokens) {
      const claims = tokens.claims();
      if (!claims) throw new OAuthError('provider_error', 'google returned no ID token');
      return {
        provider: 'google',
        subject: claims.sub,
        email: typeof claims.email === 'string' ? claims.email : null,
        emailVerified: claims.email_verified === true,
        name: typeof claims.name === 'string' ? claims.name : null,
      };
    },
  };
}

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
}

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

function githubProvider(settings: NonNullable<OAuthSettings['github']>, timeout: number): Provider {
  const authorizeUrl = new URL(settings.authorizeUrl ?? GITHUB_AUTHORIZE_URL);
  const tokenUrl = new URL(settings.tokenUrl ?? GITHUB_TOKEN_URL);
  const apiUrl = new URL(settings.apiUrl ?? GITHUB_API_URL);
  const config = new client.Configuration(
    // GitHub publishes no issuer; its authorize URL's origin stands for it.
    { issuer: authorizeUrl.origin, authorization_endpoint: authorizeUrl.href, token_endpoint: tokenUrl.href },
    settings.clientId,
    settings.clientSecret,
    client.ClientSecretPost(),
  );
  config.timeout = timeout;
  config[client.customFetch] = async (url, options) => {
    const response = await fetch(url, options);
    return sameEndpoint(url, tokenUrl) ? githubTokenErrorsAsHttpErrors(response) : response;
  };
  if ([authorizeUrl, tokenUrl, apiUrl].some(isLoopbackHttp)) client.allowInsecureRequests(config);

  const api = async <T>(accessToken: string, path: string): Promise<T> => {
    const url = new URL(path, apiUrl.href.endsWith('/') ? apiUrl : `${apiUrl.href}/`);
    const headers = new Headers({
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    });
    const response = await client.fetchProtectedResource(config, accessToken, url, 'GET', undefined, headers);
    if (!response.ok)
      throw new OAuthError('provider_error', `github answered ${response.status} to GET /${path}`);
    return (await response.json()) as T;
  };

  return {
    scope: 'read:user user:email',
    usesNonce: false,
    configuration: async () => config,
    async identity(tokens) {
      const [user, emails] = await Promise.all([
        api<GitHubUser>(tokens.access_token, 'user'),
        api<GitHubEmail[]>(tokens.access_token, 'user/emails'),
      ]);
      if (typeof user?.id !== 'number' || !Array.isArray(emails))
        throw new OAuthError('provider_error', 'github answered an unexpected user or emails document');
      const primary = emails.find((entry) => entry.primary);
      return {
        provider: 'github',
        subject: String(user.id),
        email: typeof primary?.email === 'string' ? primary.email : null,
        emailVerified: primary?.verified === true,
        name: user.name || user.login,
      };
    },
  };
}

/**
 * GitHub answers token errors (a replayed or unknown code is `bad_verification_code`) with status 200;
 * turned into the 400 RFC 6749 specifies so openid-client reads them as the OAuth errors they are.
 */
export async function githubTokenErrorsAsHttpErrors(response: Response): Promise<Response> {
  if (response.status !== 200) return response;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => null);
  if (typeof body !== 'object' || body === null || typeof (body as { error?: unknown }).error !== 'string')
    return response;
  return new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json' } });
}

const sameEndpoint = (url: string, endpoint: URL) => {
  const parsed = new URL(url);
  return parsed.origin === endpoint.origin && parsed.pathname === endpoint.pathname;
};

/** Plain http is allowed only to this machine: a test provider, never a real one. */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

function sameSecret(given: string | null, expected: string): boolean {
  if (given === null || expected === '') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** How token endpoints refuse a code: RFC 6749's `invalid_grant`, GitHub's own `bad_verification_code`. */
const CODE_REFUSALS = new Set(['invalid_grant', 'bad_verification_code']);

/** Runs a provider exchange and names its failure with one of OAuthError's codes. */
async function providerCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    if (error instanceof client.ResponseBodyError && CODE_REFUSALS.has(error.error))
      throw new OAuthError(
        'code_rejected',
        `the provider refused the code: ${error.error_description ?? error.error}`,
        {
          cause: error,
        },
      );
    if (error instanceof client.AuthorizationResponseError)
      throw new OAuthError('provider_error', `the provider answered ${error.error}`, { cause: error });
    throw new OAuthError('provider_error', `sign-in with the provider failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
