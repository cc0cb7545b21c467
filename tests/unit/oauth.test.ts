import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOAuthClient,
  type OAuthClient,
  OAuthError,
  type OAuthErrorCode,
  requireVerifiedEmail,
} from '../../src/auth/oauth.js';
import { oauthSettingsFor, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

// Against a real OpenID Connect provider (oidc-provider) started in this process on 127.0.0.1; no
// database or other service, so it runs with the unit tests.

const GOOGLE_CALLBACK = 'https://help.example.test/auth/google/callback';
const GITHUB_CALLBACK = 'https://help.example.test/auth/github/callback';

let provider: TestOidcProvider;
let oauth: OAuthClient;

beforeAll(async () => {
  provider = await startOidcProvider({
    redirectUris: [GOOGLE_CALLBACK, GITHUB_CALLBACK],
    accounts: {
      ana: { email: 'ana@example.test', emailVerified: true, name: 'Ana Lima', githubId: 583231 },
      bob: { email: 'bob@example.test', emailVerified: false, name: 'Bob', githubId: 9919 },
    },
  });
  oauth = createOAuthClient(oauthSettingsFor(provider));
});

afterAll(() => provider?.close());

async function refusal(promise: Promise<unknown>): Promise<OAuthErrorCode> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return (error as OAuthError).code;
}

/** A small HTTP server on 127.0.0.1 standing in where a test needs a provider to misbehave. */
async function listen(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function signEs256(claims: object, key: KeyObject): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode({ alg: 'ES256', kid: 'k', typ: 'JWT' })}.${encode(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

const withParam = (url: URL, name: string, value: string | null) => {
  const copy = new URL(url);
  if (value === null) copy.searchParams.delete(name);
  else copy.searchParams.set(name, value);
  return copy;
};

describe('Google sign-in (OpenID Connect)', () => {
  it('runs the code flow with PKCE, state and nonce, and returns the verified identity', async () => {
    const start = await oauth.beginSignIn('google', GOOGLE_CALLBACK);
    const params = start.authorizationUrl.searchParams;
    expect(start.authorizationUrl.href.startsWith(`${provider.issuer}/`)).toBe(true);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(params.get('code_challenge')).not.toBe(start.codeVerifier);
    expect(params.get('state')).toBe(start.state);
    expect(params.get('nonce')).toBe(start.nonce);
    expect(params.get('scope')).toBe('openid email profile');
    expect(params.get('redirect_uri')).toBe(GOOGLE_CALLBACK);

    const callback = await provider.signIn(start.authorizationUrl, 'ana');
    expect(callback.href.startsWith(`${GOOGLE_CALLBACK}?`)).toBe(true);
    const identity = await oauth.completeSignIn('google', callback, start);
    expect(identity).toEqual({
      provider: 'google',
      subject: 'ana',
      email: 'ana@example.test',
      emailVerified: true,
      name: 'Ana Lima',
    });
    expect(requireVerifiedEmail(identity)).toBe(identity);
  });

  it('gives each sign-in its own state, nonce and verifier', async () => {
    const [a, b] = await Promise.all([
      oauth.beginSignIn('google', GOOGLE_CALLBACK),
      oauth.beginSignIn('google', GOOGLE_CALLBACK),
    ]);
    expect(a.state).not.toBe(b.state);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.codeVerifier).not.toBe(b.codeVerifier);
  });

  it('refuses a forged, missing or crossed state before the code is spent', async () => {
    const victim = await oauth.beginSignIn('google', GOOGLE_CALLBACK);
    const callback = await provider.signIn(victim.authorizationUrl, 'ana');
    for (const forged of ['forged', '', `${victim.state}x`, victim.state.slice(1), null])
      expect(
        await refusal(oauth.completeSignIn('google', withParam(callback, 'state', forged), victim)),
      ).toBe('state_mismatch');
    // An attacker's own callback, completed in the victim's browser (login CSRF).
    const attacker = await oauth.beginSignIn('google', GOOGLE_CALLBACK);
    const attackerCallback = await provider.signIn(attacker.authorizationUrl, 'bob');
    expect(await refusal(oauth.completeSignIn('google', attackerCallback, victim))).toBe('state_mismatch');
    // None of the refusals reached the token endpoint: the genuine callback still completes.
    expect((await oauth.completeSignIn('google', callback, victim)).subject).toBe('ana');
  });

  it('refuses a replayed code', async () => {
    const start = await oauth.beginSignIn('google', GOOGLE_CALLBACK);
    const callback = await provider.signIn(start.authorizationUrl, 'ana');
    expect((await oauth.completeSignIn('google', callback, start)).subject).toBe('ana');
    expect(await refusal(oauth.completeSignIn('google', callback, start))).toBe('code_rejected');
  });

  it('refuses a code redeemed with another sign-in’s PKCE verifier', async () => {
    const start = await oauth.beginSignIn('google', GOOGLE_CALLBACK);
    const other = await oauth.beginSignIn('google', GOOGLE_CALLBACK);
    const callback = await provider.signIn(start.authorizationUrl, 'ana');
    expect(
      await refusal(oauth.completeSignIn('google', callback, { ...start, codeVerifier: other.codeVerifier })),
    ).toBe('code_rejected');
  });

  it('refuses an ID token whose nonce belongs to another sign-in', async () => {
    const start = await oauth.beginSignIn('google', GOOGLE_CALLBACK);
    const callback = await provider.signIn(start.authorizationUrl, 'ana');
    expect(
      await refusal(oauth.completeSignIn('google', callback, { ...start, nonce: 'another-nonce' })),
    ).toBe('provider_error');
  });

  it('reports the provider’s refusal (the person declined) as a provider error', async () => {
    const start = await oauth.beginSignIn('google', GOOGLE_CALLBACK);
    const declined = new URL(
      `${GOOGLE_CALLBACK}?error=access_denied&state=${start.state}&iss=${provider.issuer}`,
    );
    expect(await refusal(oauth.completeSignIn('google', declined, start))).toBe('provider_error');
  });

  it('reports an unreachable provider as a provider error', async () => {
    const closed = await listen((_req, res) => res.end());
    await closed.close();
    const unreachable = createOAuthClient({
      google: { clientId: 'x', clientSecret: 'y', issuer: closed.origin },
    });
    expect(await refusal(unreachable.beginSignIn('google', GOOGLE_CALLBACK))).toBe('provider_error');
  });

  it('tries discovery again after a failed one, then keeps what it discovered', async () => {
    let discoveries = 0;
    const flaky = await listen((_req, res) => {
      discoveries++;
      if (discoveries === 1) return void res.writeHead(503).end();
      const metadata = {
        issuer: flaky.origin,
        authorization_endpoint: `${flaky.origin}/auth`,
        token_endpoint: `${flaky.origin}/token`,
        jwks_uri: `${flaky.origin}/jwks`,
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata));
    });
    try {
      const client = createOAuthClient({
        google: { clientId: 'x', clientSecret: 'y', issuer: flaky.origin },
      });
      expect(await refusal(client.beginSignIn('google', GOOGLE_CALLBACK))).toBe('provider_error');
      expect((await client.beginSignIn('google', GOOGLE_CALLBACK)).authorizationUrl.href).toMatch(
        new RegExp(`^${flaky.origin}/auth\\?`),
      );
      await client.beginSignIn('google', GOOGLE_CALLBACK);
      expect(discoveries).toBe(2);
    } finally {
      await flaky.close();
    }
  });

  it('refuses an ID token that the issuer’s published keys did not sign', async () => {
    // A stand-in issuer: discovery and a token endpoint whose ID token is signed by a key it may not publish.
    const published = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let signer = other.privateKey;
    let nonce = '';
    const issuer = await listen(async (req, res) => {
      const json = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const origin = issuer.origin;
      if (req.url === '/.well-known/openid-configuration')
        return json({
          issuer: origin,
          authorization_endpoint: `${origin}/auth`,
          token_endpoint: `${origin}/token`,
          jwks_uri: `${origin}/jwks`,
          id_token_signing_alg_values_supported: ['ES256'],
        });
      if (req.url === '/jwks')
        return json({ keys: [{ ...published.publicKey.export({ format: 'jwk' }), kid: 'k', alg: 'ES256' }] });
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        iss: origin,
        aud: 'x',
        sub: 'mallory',
        iat: now,
        exp: now + 60,
        nonce,
        email_verified: true,
      };
      json({ access_token: 'at', token_type: 'Bearer', id_token: signEs256(claims, signer) });
    });
    try {
      const client = createOAuthClient({
        google: { clientId: 'x', clientSecret: 'y', issuer: issuer.origin },
      });
      const complete = async () => {
        const start = await client.beginSignIn('google', GOOGLE_CALLBACK);
        nonce = start.nonce!;
        return client.completeSignIn('google', `${GOOGLE_CALLBACK}?code=c&state=${start.state}`, start);
      };
      expect(await refusal(complete())).toBe('provider_error');
      signer = published.privateKey; // the same answer, signed by the published key, is accepted
      expect((await complete()).subject).toBe('mallory');
    } finally {
      await issuer.close();
    }
  });
});

describe('GitHub sign-in (OAuth 2)', () => {
  it('runs the code flow with PKCE and state, then reads the user and primary email', async () => {
    const start = await oauth.beginSignIn('github', GITHUB_CALLBACK);
    const params = start.authorizationUrl.searchParams;
    expect(start.authorizationUrl.href.startsWith(provider.authorizationEndpoint)).toBe(true);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('state')).toBe(start.state);
    expect(params.get('scope')).toBe('read:user user:email');
    expect(params.has('nonce')).toBe(false);
    expect(start.nonce).toBeUndefined();

    const identity = await oauth.completeSignIn(
      'github',
      await provider.signIn(start.authorizationUrl, 'ana'),
      start,
    );
    expect(identity).toEqual({
      provider: 'github',
      subject: '583231',
      email: 'ana@example.test',
      emailVerified: true,
      name: 'Ana Lima',
    });
  });

  it('refuses a forged state and a replayed code', async () => {
    const start = await oauth.beginSignIn('github', GITHUB_CALLBACK);
    const callback = await provider.signIn(start.authorizationUrl, 'ana');
    expect(await refusal(oauth.completeSignIn('github', withParam(callback, 'state', 'forged'), start))).toBe(
      'state_mismatch',
    );
    expect((await oauth.completeSignIn('github', callback, start)).subject).toBe('583231');
    expect(await refusal(oauth.completeSignIn('github', callback, start))).toBe('code_rejected');
  });

  it('reads GitHub’s token errors, which come with status 200, as a rejected code', async () => {
    // GitHub's token endpoint answers a spent code with 200 and an error body; this server answers the same.
    const github = await listen((_req, res) => {
      const body = {
        error: 'bad_verification_code',
        error_description: 'The code passed is incorrect or expired.',
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    try {
      const client = createOAuthClient({
        github: {
          clientId: 'x',
          clientSecret: 'y',
          authorizeUrl: `${github.origin}/login/oauth/authorize`,
          tokenUrl: `${github.origin}/login/oauth/access_token`,
          apiUrl: github.origin,
        },
      });
      const start = await client.beginSignIn('github', GITHUB_CALLBACK);
      const callback = new URL(`${GITHUB_CALLBACK}?code=spent&state=${start.state}`);
      expect(await refusal(client.completeSignIn('github', callback, start))).toBe('code_rejected');
    } finally {
      await github.close();
    }
  });
});

describe('an email the provider has not verified', () => {
  it.each([
    ['google', GOOGLE_CALLBACK, 'bob'],
    ['github', GITHUB_CALLBACK, '9919'],
  ])(
    'is reported by %s as unverified, and cannot link or create an account',
    async (name, callbackUri, subject) => {
      const start = await oauth.beginSignIn(name, callbackUri);
      const callback = await provider.signIn(start.authorizationUrl, 'bob');
      const identity = await oauth.completeSignIn(name, callback, start);
      expect(identity).toMatchObject({
        provider: name,
        subject,
        email: 'bob@example.test',
        emailVerified: false,
      });
      expect(() => requireVerifiedEmail(identity)).toThrow(
        expect.objectContaining({ name: 'OAuthError', code: 'email_unverified' }),
      );
    },
  );
});

describe('providers', () => {
  it('refuses a provider that does not exist or is not configured', async () => {
    const googleOnly = createOAuthClient({
      google: { clientId: 'x', clientSecret: 'y', issuer: provider.issuer },
    });
    expect(googleOnly.providers).toEqual(['google']);
    expect(oauth.providers).toEqual(['google', 'github']);
    expect(await refusal(googleOnly.beginSignIn('github', GITHUB_CALLBACK))).toBe('unknown_provider');
    for (const name of ['facebook', '', 'constructor', '__proto__', 'Google'])
      expect(await refusal(oauth.beginSignIn(name, GOOGLE_CALLBACK)), name).toBe('unknown_provider');
    expect(
      await refusal(
        oauth.completeSignIn('facebook', `${GOOGLE_CALLBACK}?code=x&state=y`, {
          state: 'y',
          codeVerifier: 'z',
        }),
      ),
    ).toBe('unknown_provider');
  });
});
