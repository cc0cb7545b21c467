// Authentication under attack (issue #7). What tests/integration/api-auth.test.ts already covers is not
// repeated here (401 on every protected route of the default app, refused unknown/revoked/expired tokens,
// 429 after the login limit). New here: the complete list of operations that answer without an API token,
// on an app with every optional route on (POST /inbound included), each refusing a missing or forged
// credential of its own; the login limit holding for the right password too, per client address and not
// fooled by X-Forwarded-For; the invitation and survey links limited alike; revocation taking effect at once,
// also for requests racing it over real HTTP.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/api/auth/passwords.js';
import { csatSurveys, users } from '../../src/db/schema/index.js';
import {
  type ApiFixture,
  as,
  createApiFixture,
  type DocumentedOperation,
  documentedOperations,
  errorOf,
  freshClientAddress,
  useApiHarness,
} from '../support/api.js';
import { TEST_SURVEY_LINKS } from '../support/ticket-harness.js';
import { printFigures, scaled } from './profile.js';

const h = useApiHarness();
const INBOUND_SECRET = `inbound-${randomUUID()}`;
const LOGIN_LIMIT = 5;
/** Requests racing a revocation, over HTTP. */
const RACERS = scaled({ ci: 8, full: 32 });
const RACE_MS = scaled({ ci: 1_500, full: 5_000 });

/** Answer without an API token by design; each has a credential of its own, or none (health, docs). */
const PUBLIC_OPERATIONS = [
  'GET /health',
  'GET /ready',
  'POST /auth/login', // email + password, rate-limited
  'POST /auth/sign-in', // likewise, for a browser session
  'POST /auth/sign-up', // answers the same whatever the address
  'POST /auth/verify-email', // the emailed single-use link's secret, rate-limited
  'POST /auth/password/forgot',
  'POST /auth/password/reset',
  'POST /auth/email/confirm',
  'GET /auth/oauth/providers', // which sign-in buttons to show: provider names only
  'GET /auth/oauth/{provider}/start', // redirects to the provider
  'GET /auth/oauth/{provider}/callback', // the state bound to the browser, the provider's code
  'POST /invitations/accept', // the emailed token in the body, rate-limited
  'GET /mailbox-verification', // the emailed token in the query, rate-limited
  'GET /csat/{token}', // the signed link in the URL
  'POST /csat/{token}',
  'POST /inbound', // the webhook's shared secret
];
/** Served without a token and left out of the document itself. */
const UNDOCUMENTED_PUBLIC = ['/openapi.json', '/docs'];

const label = (o: DocumentedOperation) => `${o.method} ${o.path}`;
let app: Awaited<ReturnType<typeof h.buildApp>>;
let f: ApiFixture;
let surveyId: string;

beforeAll(async () => {
  // Every optional route on, as in production with INBOUND_SECRET set.
  app = await h.buildInboundApp(INBOUND_SECRET);
  f = await createApiFixture(h.db, 'Guarded');
  const ticket = (
    await as(app, f.tokens.agent).post('/tickets', {
      customer: { email: `c-${randomUUID().slice(0, 8)}@example.test` },
      title: 'Rated ticket',
      description: 'x',
    })
  ).json();
  surveyId = randomUUID();
  await h.db.adminDb.insert(csatSurveys).values({
    id: surveyId,
    organizationId: f.org.id,
    ticketId: ticket.id,
    email: 'rater@example.test',
  });
});

describe('what answers without a token', () => {
  it('is exactly the documented public list; every other operation answers 401', async () => {
    const operations = await documentedOperations(app);
    const documentedPublic = operations.filter((o) => o.public || o.path === '/inbound').map(label);
    expect(documentedPublic.sort()).toEqual([...PUBLIC_OPERATIONS].sort());
    const guarded = operations.filter((o) => !PUBLIC_OPERATIONS.includes(label(o)));
    for (const op of guarded) {
      const response = await as(app).send(op.method, op.url, op.method === 'GET' ? undefined : {});
      expect(response.statusCode, label(op)).toBe(401);
    }
    for (const url of UNDOCUMENTED_PUBLIC) {
      expect((await as(app).get(url)).statusCode, url).toBeLessThan(400);
    }
    printFigures('auth: operations without a token', {
      'documented operations': operations.length,
      'public by design': PUBLIC_OPERATIONS.length,
      'answering 401 without a token': guarded.length,
    });
  });

  it('the public survey links refuse forged, altered and unsigned tokens, and a real one works', async () => {
    const real = TEST_SURVEY_LINKS.url(surveyId).split('/csat/')[1]!;
    const [, signature] = real.split('.');
    const otherSurvey = randomUUID();
    const forged = [
      surveyId, // unsigned
      `${surveyId}.${'A'.repeat(signature!.length)}`,
      `${otherSurvey}.${signature}`, // another survey with this one's signature
      `${surveyId}.${signature}.extra`,
      `${surveyId.toUpperCase()}.${signature}`,
    ];
    for (const token of forged) {
      expect((await as(app).get(`/csat/${encodeURIComponent(token)}`)).statusCode, token).toBe(404);
      const answer = await as(app).post(`/csat/${encodeURIComponent(token)}`, { rating: 1 });
      expect(answer.statusCode, token).toBe(404);
    }
    const [untouched] = await h.db.adminDb.select().from(csatSurveys).where(eq(csatSurveys.id, surveyId));
    expect(untouched!.respondedAt).toBeNull();
    expect((await as(app).get(`/csat/${real}`)).json()).toMatchObject({ ticketTitle: 'Rated ticket' });
  });

  it('invitation acceptance refuses missing and forged tokens', async () => {
    expect((await as(app).post('/invitations/accept', { name: 'Mallory' })).statusCode).toBe(400);
    for (const token of [`idi_${'x'.repeat(43)}`, 'idi_', "' or 1=1 --", f.tokens.owner]) {
      const response = await as(app).post('/invitations/accept', { token, name: 'Mallory' });
      expect(response.statusCode, token).toBe(404);
    }
  });

  it('mailbox verification links refuse missing and forged tokens', async () => {
    expect((await as(app).get('/mailbox-verification')).statusCode).toBe(400);
    for (const token of [`idv_${'x'.repeat(43)}`, 'idv_', "' or 1=1 --", f.tokens.owner]) {
      const response = await as(app).get(`/mailbox-verification?token=${encodeURIComponent(token)}`);
      expect(response.statusCode, token).toBe(404);
    }
  });

  it('POST /inbound takes only its own secret: not none, not a wrong one, not an API token', async () => {
    const raw = [
      `To: nobody-${randomUUID()}@example.test`,
      'From: someone@example.test',
      'Subject: hi',
      '',
      'hello',
    ].join('\r\n');
    const send = (authorization?: string) =>
      app.inject({
        method: 'POST',
        url: '/inbound',
        payload: raw,
        headers: { 'content-type': 'message/rfc822', ...(authorization ? { authorization } : {}) },
      });
    for (const authorization of [
      undefined,
      `Bearer ${INBOUND_SECRET}x`,
      `Bearer ${INBOUND_SECRET.slice(0, -1)}`,
      `Bearer ${f.tokens.owner}`,
      `Basic ${INBOUND_SECRET}`,
    ]) {
      const response = await send(authorization);
      expect(response.statusCode, authorization).toBe(401);
      expect(errorOf(response).code).toBe('unauthenticated');
    }
    // The right secret passes authentication (an address no mailbox has is then refused as unroutable).
    expect((await send(`Bearer ${INBOUND_SECRET}`)).statusCode).not.toBe(401);
  });
});

describe('password guessing', () => {
  let victim: { email: string; password: string };
  beforeAll(async () => {
    const g = await createApiFixture(h.db, 'Guessed');
    victim = { email: g.agent.email, password: 'the right password' };
    await h.db.adminDb
      .update(users)
      .set({ passwordHash: await hashPassword(victim.password) })
      .where(eq(users.id, g.agent.id));
  });

  const login = (target: Awaited<ReturnType<typeof h.buildApp>>, password: string, from: object) =>
    target.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: victim.email, password },
      ...from,
    });

  it('is limited per client address, the right password included, and other addresses carry on', async () => {
    const limited = await h.buildApp({ login: { maxPerMinute: LOGIN_LIMIT }, trustProxy: ['127.0.0.1'] });
    // Counters are shared through the database: addresses of their own keep this test's count its own.
    const attacker = { headers: { 'x-forwarded-for': freshClientAddress() } };
    const colleague = { headers: { 'x-forwarded-for': freshClientAddress() } };
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_LIMIT * 3; i++) {
      statuses.push((await login(limited, `guess ${i}`, attacker)).statusCode);
    }
    expect(statuses.slice(0, LOGIN_LIMIT)).toEqual(Array(LOGIN_LIMIT).fill(401));
    expect(new Set(statuses.slice(LOGIN_LIMIT))).toEqual(new Set([429]));
    // The attacker guessing right now gains nothing: the limit comes before the password check.
    const right = await login(limited, victim.password, attacker);
    expect(right.statusCode).toBe(429);
    expect(right.body).not.toContain('idk_');
    // The real user, elsewhere, logs in.
    expect((await login(limited, victim.password, colleague)).statusCode).toBe(201);
    printFigures('auth: password guessing', {
      'limit per minute and address': LOGIN_LIMIT,
      'guesses answered 401 before the limit': statuses.filter((s) => s === 401).length,
      'then 429': statuses.filter((s) => s === 429).length,
      'right password while limited': right.statusCode,
      'same user from another address': 201,
    });
  });

  it('without a trusted proxy, a forged X-Forwarded-For does not reset the count', async () => {
    const limited = await h.buildApp({ login: { maxPerMinute: LOGIN_LIMIT } });
    const remoteAddress = freshClientAddress();
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_LIMIT * 2; i++) {
      const spoofed = { remoteAddress, headers: { 'x-forwarded-for': `192.0.2.${i}` } };
      statuses.push((await login(limited, `guess ${i}`, spoofed)).statusCode);
    }
    expect(statuses.filter((s) => s === 429)).toHaveLength(LOGIN_LIMIT);
    // A different peer address (what the socket says) is a different client.
    expect((await login(limited, victim.password, { remoteAddress: freshClientAddress() })).statusCode).toBe(
      201,
    );
  });

  it('invitation tokens and survey links are limited the same way', async () => {
    const limited = await h.buildApp({ login: { maxPerMinute: LOGIN_LIMIT } });
    const remoteAddress = freshClientAddress();
    const accept = () =>
      limited.inject({
        method: 'POST',
        url: '/invitations/accept',
        payload: { token: `idi_${randomUUID()}`, name: 'M' },
        remoteAddress,
      });
    for (let i = 0; i < LOGIN_LIMIT; i++) expect((await accept()).statusCode).toBe(404);
    expect((await accept()).statusCode).toBe(429);

    const link = TEST_SURVEY_LINKS.url(surveyId).split('/csat/')[1]!;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await as(limited).get(`/csat/${randomUUID()}.x`)).statusCode);
    expect(statuses).toContain(429);
    expect((await as(limited).get(`/csat/${link}`)).statusCode).toBe(429);
  });
});

describe('revocation', () => {
  // A token for the agent: admins and owners may revoke it (an owner's tokens are the owners' alone).
  const issue = async (owner: ApiFixture) =>
    (
      await as(app, owner.tokens.owner).post('/tokens', {
        name: `victim ${randomUUID()}`,
        userId: owner.agent.id,
      })
    ).json() as {
      id: string;
      token: string;
    };

  it('stops a token at the very next request, whichever route and whoever revokes it', async () => {
    const victim = await issue(f);
    expect((await as(app, victim.token).get('/tickets')).statusCode).toBe(200);
    expect((await as(app, f.tokens.admin).delete(`/tokens/${victim.id}`)).statusCode).toBe(204);
    for (const url of ['/tickets', '/me', '/tokens', '/stats']) {
      expect((await as(app, victim.token).get(url)).statusCode, url).toBe(401);
    }
    // A token revoking itself: its own answer is the last one it gets.
    const self = (await as(app, f.tokens.admin).post('/tokens', { name: 'self' })).json();
    expect((await as(app, self.token).delete(`/tokens/${self.id}`)).statusCode).toBe(204);
    expect((await as(app, self.token).get('/me')).statusCode).toBe(401);
    // A login token too.
    await h.db.adminDb
      .update(users)
      .set({ passwordHash: await hashPassword('owner password') })
      .where(eq(users.id, f.owner.id));
    const login = (
      await as(app).post('/auth/login', { email: f.owner.email, password: 'owner password' })
    ).json();
    expect((await as(app, f.tokens.admin).delete(`/tokens/${login.tokenId}`)).statusCode).toBe(403);
    expect((await as(app, f.tokens.owner).delete(`/tokens/${login.tokenId}`)).statusCode).toBe(204);
    expect((await as(app, login.token).get('/me')).statusCode).toBe(401);
  });

  it('refuses every request that starts after the revocation answered, with requests racing it over HTTP', async () => {
    const served = await h.buildApp();
    const base = await served.listen({ host: '127.0.0.1', port: 0 });
    const victim = await issue(f);
    const results: { startedAt: number; status: number }[] = [];
    let revokedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const racer = async () => {
      while (!stop) {
        const startedAt = performance.now();
        const response = await fetch(`${base}/tickets?limit=1`, {
          headers: { authorization: `Bearer ${victim.token}` },
        });
        await response.arrayBuffer();
        results.push({ startedAt, status: response.status });
      }
    };
    const racers = Array.from({ length: RACERS }, racer);
    await new Promise((resolve) => setTimeout(resolve, RACE_MS / 2));
    const revoke = await fetch(`${base}/tokens/${victim.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${f.tokens.admin}` },
    });
    revokedAt = performance.now();
    expect(revoke.status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, RACE_MS / 2));
    stop = true;
    await Promise.all(racers);

    const before = results.filter((r) => r.startedAt < revokedAt);
    const after = results.filter((r) => r.startedAt >= revokedAt);
    expect(results.filter((r) => r.status !== 200 && r.status !== 401)).toEqual([]);
    expect(before.some((r) => r.status === 200)).toBe(true);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((r) => r.status !== 401)).toEqual([]);
    printFigures('auth: revocation racing requests', {
      'concurrent clients': RACERS,
      'requests started before the revocation answered': before.length,
      'of which 200 (in flight or before)': before.filter((r) => r.status === 200).length,
      'requests started after': after.length,
      'of which not 401': after.filter((r) => r.status !== 401).length,
    });
  });
});
