import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { OAuthSettings } from '../../src/auth/oauth.js';

/**
 * A real OpenID Connect provider (oidc-provider from npm) on 127.0.0.1, for sign-in tests: discovery,
 * authorization with PKCE, a token endpoint that refuses replayed codes, signed ID tokens. The login
 * page is replaced by `signIn`, which drives the provider's own interaction API over HTTP with cookies.
 *
 * It also stands in for GitHub: its authorization and token endpoints serve GitHub's code flow, and
 * `githubApiUrl` answers GitHub's `GET /user` and `GET /user/emails` for access tokens it issued.
 */

export interface TestAccount {
  email: string;
  emailVerified: boolean;
  name?: string;
  /** GitHub's numeric user id, for accounts that sign in through the GitHub stand-in. */
  githubId?: number;
}

export interface OidcProviderOptions {
  /** Keyed by the account id, which is also the OIDC `sub`. */
  accounts: Record<string, TestAccount>;
  /** Redirect URIs registered for the client; the provider refuses any other. */
  redirectUris: string[];
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** Root of the GitHub REST API stand-in. */
  githubApiUrl: string;
  /** Signs `accountId` in at `authorizationUrl` as a person would, and returns the redirect back to the client. */
  signIn(authorizationUrl: string | URL, accountId: string): Promise<URL>;
  close(): Promise<void>;
}

const CLIENT_ID = 'insightdesk-test';

export async function startOidcProvider(options: OidcProviderOptions): Promise<TestOidcProvider> {
  const { accounts } = options;
  const clientSecret = randomBytes(24).toString('base64url');
  let handle: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const configuration: Configuration = {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'test-signing-key', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { email: ['email', 'email_verified'], profile: ['name'] },
    // GitHub's scopes, so its code flow is granted them like the OIDC ones.
    scopes: ['openid', 'read:user', 'user:email'],
    // Like Google: the ID token itself carries the email and profile claims.
    conformIdTokenClaims: false,
    // Short lifetimes of a test's length; stating them also keeps the provider's notices out of test output.
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          email: account.email,
          email_verified: account.emailVerified,
          ...(account.name === undefined ? {} : { name: account.name }),
        }),
      };
    },
    // A first-party client: consent is implied, so a sign-in is only the login step.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId });
      if (ctx.oidc.params?.scope) grant.addOIDCScope(String(ctx.oidc.params.scope));
      grant.addOIDCClaims(['email', 'email_verified', 'name']);
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  const oidcHandler = provider.callback();

  handle = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const interaction = /^\/interaction\/[\w-]+$/.test(url.pathname);
    if (interaction && req.method === 'POST') return void finishLogin(req, res).catch(fail(res));
    if (interaction) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('sign in');
    if (url.pathname.startsWith('/github/')) return void githubApi(req, res, url).catch(fail(res));
    oidcHandler(req, res);
  };

  /** The login form's target: the body names the account that signs in. */
  async function finishLogin(req: http.IncomingMessage, res: http.ServerResponse) {
    const accountId = new URLSearchParams(await readBody(req)).get('account') ?? '';
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name !== 'login' || !accounts[accountId])
      return void res.writeHead(400, { 'content-type': 'text/plain' }).end(`cannot sign in ${accountId}`);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
  }

  /** GitHub's user endpoints, answering for the account an access token from this provider names. */
  async function githubApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const token = req.headers.authorization?.match(/^Bearer (.+)$/i)?.[1];
    const accessToken = token ? await provider.AccessToken.find(token) : undefined;
    const account = accessToken?.accountId ? accounts[accessToken.accountId] : undefined;
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!accessToken || !account) return json(401, { message: 'Bad credentials' });
    if (account.githubId === undefined) return json(404, { message: 'Not Found' });
    if (url.pathname === '/github/user')
      return json(200, { id: account.githubId, login: accessToken.accountId, name: account.name ?? null });
    // GitHub too lists emails only to tokens granted `user:email`.
    if (url.pathname === '/github/user/emails' && String(accessToken.scope).split(' ').includes('user:email'))
      return json(200, [
        { email: account.email, primary: true, verified: account.emailVerified, visibility: 'private' },
      ]);
    json(404, { message: 'Not Found' });
  }

  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret,
    authorizationEndpoint: `${issuer}/auth`,
    tokenEndpoint: `${issuer}/token`,
    githubApiUrl: `${issuer}/github`,
    signIn: (authorizationUrl, accountId) => signIn(issuer, new URL(authorizationUrl), accountId),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Follows the provider's redirects with a cookie jar, posting the login form when asked to sign in. */
async function signIn(issuer: string, authorizationUrl: URL, accountId: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl;
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      body,
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value === '' || /expires=thu, 01 jan 1970/i.test(header)) cookies.delete(name);
      else cookies.set(name, value);
    }
    if (new URL(url).pathname.startsWith('/interaction/') && !body) {
      body = new URLSearchParams({ account: accountId });
      continue; // the login page: submit it
    }
    body = undefined;
    const location = response.headers.get('location');
    if (!location || response.status < 300 || response.status >= 400)
      throw new Error(`the provider answered ${response.status} at ${url}: ${await response.text()}`);
    url = new URL(location, url);
    if (url.origin !== issuer) return url; // back to the client
  }
  throw new Error('the sign-in did not come back to the client within 10 redirects');
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

const fail = (res: http.ServerResponse) => (error: unknown) => {
  if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
  res.end(String(error));
};

/** Settings pointing both of the app's providers at this test provider (GitHub through its stand-in API). */
export function oauthSettingsFor(provider: TestOidcProvider): OAuthSettings {
  const client = { clientId: provider.clientId, clientSecret: provider.clientSecret };
  return {
    google: { ...client, issuer: provider.issuer },
    github: {
      ...client,
      authorizeUrl: provider.authorizationEndpoint,
      tokenUrl: provider.tokenEndpoint,
      apiUrl: provider.githubApiUrl,
    },
  };
}
