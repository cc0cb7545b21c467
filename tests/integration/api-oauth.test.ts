import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/app.js';
import { createOAuthClient } from '../../src/auth/oauth.js';
import { accounts, users } from '../../src/db/schema/index.js';
import { errorOf, useApiHarness } from '../support/api.js';
import { createUser } from '../support/db.js';
import { oauthSettingsFor, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

const h = useApiHarness();
const PUBLIC_URL = 'http://127.0.0.1:3000';
const run = randomUUID().slice(0, 8);
const people = {
  ana: { email: `ana-${run}@example.test`, emailVerified: true, name: 'Ana Lima', githubId: 583_231 },
  bob: { email: `bob-${run}@example.test`, emailVerified: false, name: 'Bob', githubId: 9_919 },
  cid: { email: `cid-${run}@example.test`, emailVerified: true, name: 'Cid', githubId: 7_171 },
};

let provider: TestOidcProvider;
let app: Api;

beforeAll(async () => {
  provider = await startOidcProvider({
    redirectUris: [`${PUBLIC_URL}/auth/oauth/google/callback`, `${PUBLIC_URL}/auth/oauth/github/callback`],
    accounts: people,
  });
  app = await h.buildApp({
    oauth: createOAuthClient(oauthSettingsFor(provider)),
  });
});

afterAll(() => provider?.close());

const cookieNamed = (response: LightMyRequestResponse, name: string) =>
  [response.headers['set-cookie']]
    .flat()
    .find((c) => c?.startsWith(`${name}=`) && !c.startsWith(`${name}=;`))
    ?.split(';')[0];

/** Starts a sign-in as a browser: the provider's URL and the state cookie the app set. */
async function start(name: 'google' | 'github') {
  const response = await app.inject({ method: 'GET', url: `/auth/oauth/${name}/start` });
  expect(response.statusCode, response.body).toBe(302);
  return {
    location: response.headers.location as string,
    cookie: cookieNamed(response, 'insightdesk_oauth_state')!,
  };
}

/** The provider's redirect back, delivered to the app with the browser's cookie. */
const callback = (url: URL, cookie?: string) =>
  app.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers: cookie ? { cookie } : {} });

async function signInWith(name: 'google' | 'github', accountId: keyof typeof people) {
  const started = await start(name);
  const back = await provider.signIn(started.location, accountId);
  return { started, back, response: await callback(back, started.cookie) };
}

async function sessionOf(response: LightMyRequestResponse) {
  const cookie = cookieNamed(response, 'insightdesk_session');
  expect(cookie, response.body).toBeDefined();
  return (await app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: cookie! } })).json();
}

describe('Google and GitHub sign-in', () => {
  it('names the configured providers to anyone, none when none is configured', async () => {
    const listed = await app.inject({ method: 'GET', url: '/auth/oauth/providers' });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual({ data: [{ name: 'google' }, { name: 'github' }] });
    const none = await h.app.inject({ method: 'GET', url: '/auth/oauth/providers' });
    expect(none.json()).toEqual({ data: [] });
  });

  it('creates a verified account on first sign-in and finds it by the provider identity afterwards', async () => {
    const first = await signInWith('google', 'ana');
    expect(first.response.statusCode, first.response.body).toBe(302);
    expect(first.response.headers.location).toBe(`${PUBLIC_URL}/`);
    const session = await sessionOf(first.response);
    expect(session.user).toMatchObject({ email: people.ana.email, name: 'Ana Lima' });
    const [user] = await h.db.adminDb.select().from(users).where(eq(users.email, people.ana.email));
    expect(user).toMatchObject({ emailVerified: true, googleId: 'ana', passwordHash: null });

    const again = await signInWith('google', 'ana');
    expect((await sessionOf(again.response)).user.id).toBe(user!.id);
  });

  it('links an existing account only on an address the provider verified', async () => {
    const existing = await createUser(h.db, 'Cid Existing', people.cid.email);
    const linked = await signInWith('github', 'cid');
    expect(linked.response.statusCode, linked.response.body).toBe(302);
    expect((await sessionOf(linked.response)).user.id).toBe(existing.id);
    const [link] = await h.db.adminDb.select().from(accounts).where(eq(accounts.userId, existing.id));
    expect(link).toMatchObject({ provider: 'github', providerAccountId: String(people.cid.githubId) });

    // Bob's provider account claims an address it has not verified: no link, no account, no session.
    const bob = await createUser(h.db, 'Bob Existing', people.bob.email);
    for (const name of ['google', 'github'] as const) {
      const refused = await signInWith(name, 'bob');
      expect(refused.response.statusCode).toBe(403);
      expect(errorOf(refused.response).code).toBe('email_unverified');
      expect(cookieNamed(refused.response, 'insightdesk_session')).toBeUndefined();
    }
    expect(await h.db.adminDb.select().from(accounts).where(eq(accounts.userId, bob.id))).toEqual([]);
  });

  it('refuses a forged or missing state, a replayed callback and a replayed code', async () => {
    const started = await start('google');
    const back = await provider.signIn(started.location, 'ana');
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged');
    for (const attempt of [
      callback(forged, started.cookie),
      callback(back),
      callback(back, 'insightdesk_oauth_state=other'),
    ]) {
      const response = await attempt;
      expect(response.statusCode).toBe(400);
      expect(errorOf(response).code).toBe('state_mismatch');
    }
    // None of these spent the state: the genuine callback still signs in, once.
    expect((await callback(back, started.cookie)).statusCode).toBe(302);
    expect(errorOf(await callback(back, started.cookie)).code).toBe('state_mismatch');

    // The used code under a fresh state of this browser: the provider refuses it.
    const fresh = await start('google');
    const replay = new URL(back);
    replay.searchParams.set('state', new URL(fresh.location).searchParams.get('state')!);
    const replayed = await callback(replay, fresh.cookie);
    expect(replayed.statusCode).toBe(400);
    expect(errorOf(replayed).code).toBe('code_rejected');
  });

  it('answers an unknown or unconfigured provider with 404', async () => {
    for (const name of ['gitlab', 'Google']) {
      const response = await app.inject({ method: 'GET', url: `/auth/oauth/${name}/start` });
      expect(response.statusCode).toBe(404);
    }
    const unconfigured = await h.app.inject({ method: 'GET', url: '/auth/oauth/google/start' });
    expect(errorOf(unconfigured).code).toBe('unknown_provider');
  });
});
