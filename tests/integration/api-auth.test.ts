import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/api/auth/passwords.js';
import { apiTokens, organizations, tickets, userOrganizations, users } from '../../src/db/schema/index.js';
import {
  as,
  createApiFixture,
  type DocumentedOperation,
  documentedOperations,
  errorOf,
  freshClientAddress,
  tokenFor,
  useApiHarness,
} from '../support/api.js';
import { createOrganizationFixture, joinOrganization } from '../support/db.js';

const h = useApiHarness();
let operations: DocumentedOperation[];

beforeAll(async () => {
  operations = await documentedOperations(h.app);
});

const protectedOperations = () => operations.filter((o) => !o.public);
/** The browser session's own routes: the cookie is their only credential. */
const sessionOnly = (o: DocumentedOperation) => o.path.startsWith('/auth/');
const tokenOperations = () => protectedOperations().filter((o) => !sessionOnly(o));
const label = (o: DocumentedOperation) => `${o.method} ${o.path}`;
/** The operation with an empty body: authentication comes before validation, so the body never matters. */
const call = (op: DocumentedOperation, token?: string) =>
  as(h.app, token).send(op.method, op.url, op.method === 'GET' ? undefined : {});

async function setPassword(userId: string, password: string) {
  await h.db.adminDb
    .update(users)
    .set({ passwordHash: await hashPassword(password) })
    .where(eq(users.id, userId));
}

describe('bearer tokens', () => {
  it('refuses every protected route without a token, with 401 and a WWW-Authenticate challenge', async () => {
    expect(tokenOperations().length).toBeGreaterThan(20);
    for (const op of protectedOperations()) {
      const response = await call(op);
      expect(response.statusCode, label(op)).toBe(401);
      expect(errorOf(response).code, label(op)).toBe('unauthenticated');
      expect(response.headers['www-authenticate'], label(op)).toBe(sessionOnly(op) ? undefined : 'Bearer');
    }
  });

  it('refuses unknown, malformed, revoked and expired tokens on every protected route', async () => {
    const f = await createApiFixture(h.db);
    const revoked = await tokenFor(h.db, f, f.agent);
    await h.db.adminDb
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(eq(apiTokens.userId, f.agent.id));
    const expired = await tokenFor(h.db, f, f.owner, { expiresAt: new Date(Date.now() - 1000) });
    for (const token of ['idk_not-a-real-token', revoked, expired]) {
      for (const op of tokenOperations()) {
        const response = await call(op, token);
        expect(response.statusCode, `${label(op)} with ${token.slice(0, 12)}`).toBe(401);
        expect(errorOf(response).message).toBe('the bearer token is invalid, expired or revoked');
      }
    }
    const basic = await as(h.app).get('/tickets', { authorization: `Basic ${f.tokens.agent}` });
    expect(basic.statusCode).toBe(401);
  });

  it('gives customers 403 on every protected route', async () => {
    const f = await createApiFixture(h.db);
    for (const op of tokenOperations()) {
      const response = await call(op, f.tokens.customer);
      expect(response.statusCode, label(op)).toBe(403);
      expect(errorOf(response).code).toBe('forbidden');
    }
  });

  it('gives agents 403 on every admin route, and lets admins and owners in', async () => {
    const f = await createApiFixture(h.db);
    const adminRoutes = protectedOperations().filter((o) => o.tags.includes('admin'));
    expect(adminRoutes.map((o) => o.path)).toEqual(
      expect.arrayContaining(['/sla-policies', '/mailboxes/{id}', '/members', '/tokens/{id}']),
    );
    for (const op of adminRoutes) {
      const response = await call(op, f.tokens.agent);
      expect(response.statusCode, label(op)).toBe(403);
      expect(errorOf(response).message).toBe('this needs the admin role or above');
    }
    for (const token of [f.tokens.admin, f.tokens.owner]) {
      expect((await as(h.app, token).get('/sla-policies')).statusCode).toBe(200);
    }
  });

  it('takes a demotion or removal into account at the next request', async () => {
    const f = await createApiFixture(h.db);
    const token = await tokenFor(h.db, f, f.admin);
    expect((await as(h.app, token).get('/members')).statusCode).toBe(200);
    await h.db.adminDb
      .update(userOrganizations)
      .set({ role: 'agent' })
      .where(eq(userOrganizations.userId, f.admin.id));
    expect((await as(h.app, token).get('/members')).statusCode).toBe(403);
    expect((await as(h.app, token).get('/tickets')).statusCode).toBe(200);
    await h.db.adminDb.delete(userOrganizations).where(eq(userOrganizations.userId, f.admin.id));
    expect((await as(h.app, token).get('/tickets')).statusCode).toBe(401);
  });

  it('refuses a token on the ticket reads at the first request after it stops granting access', async () => {
    // The read routes keep a token's principal in memory; each change below is made in the database
    // directly (another API process, the CLI), and must still take effect at the next request.
    const changes: [string, (f: Awaited<ReturnType<typeof createApiFixture>>) => Promise<unknown>, number][] =
      [
        [
          'revoked',
          (f) =>
            h.db.adminDb
              .update(apiTokens)
              .set({ revokedAt: new Date() })
              .where(eq(apiTokens.userId, f.agent.id)),
          401,
        ],
        [
          'expired',
          (f) =>
            h.db.adminDb
              .update(apiTokens)
              .set({ expiresAt: new Date(Date.now() - 1000) })
              .where(eq(apiTokens.userId, f.agent.id)),
          401,
        ],
        [
          'person deactivated',
          (f) => h.db.adminDb.update(users).set({ isActive: false }).where(eq(users.id, f.agent.id)),
          401,
        ],
        [
          'organisation deactivated',
          (f) =>
            h.db.adminDb.update(organizations).set({ isActive: false }).where(eq(organizations.id, f.org.id)),
          401,
        ],
        [
          'membership removed',
          (f) => h.db.adminDb.delete(userOrganizations).where(eq(userOrganizations.userId, f.agent.id)),
          401,
        ],
        [
          'made a customer',
          (f) =>
            h.db.adminDb
              .update(userOrganizations)
              .set({ role: 'customer' })
              .where(eq(userOrganizations.userId, f.agent.id)),
          403,
        ],
      ];
    for (const [change, apply, status] of changes) {
      const f = await createApiFixture(h.db);
      const [ticket] = await h.db.adminDb
        .insert(tickets)
        .values({
          organizationId: f.org.id,
          customerId: f.customer.id,
          ticketNumber: 1,
          title: 'Secret plans',
          description: 'Only for staff',
        })
        .returning();
      const reads = [
        '/tickets',
        '/tickets?status=open&cursor=',
        '/tickets/search?q=secret',
        `/tickets/${ticket!.id}`,
      ];
      for (const url of reads) {
        const response = await as(h.app, f.tokens.agent).get(url);
        expect(response.statusCode, `${url} before: ${response.body}`).toBe(200);
        expect(response.body).toContain('Secret plans');
      }
      await apply(f);
      for (const url of reads) {
        const response = await as(h.app, f.tokens.agent).get(url);
        expect(response.statusCode, `${url} once ${change}`).toBe(status);
        expect(response.body).not.toContain('Secret plans');
        if (status === 401)
          expect(errorOf(response).message).toBe('the bearer token is invalid, expired or revoked');
      }
    }
  });

  it('records when a token was last used', async () => {
    const f = await createApiFixture(h.db);
    const before = Date.now();
    expect((await as(h.app, f.tokens.agent).get('/me')).statusCode).toBe(200);
    const [row] = await h.db.adminDb.select().from(apiTokens).where(eq(apiTokens.userId, f.agent.id));
    expect(row!.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('says who the token speaks for at /me', async () => {
    const f = await createApiFixture(h.db);
    const response = await as(h.app, f.tokens.admin).get('/me');
    expect(response.json()).toMatchObject({
      user: { id: f.admin.id, email: f.admin.email },
      organization: { id: f.org.id, name: 'Acme' },
      role: 'admin',
      token: { name: 'test', expiresAt: null },
    });
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

describe('password login', () => {
  it('issues a working token bound to the organisation, shown once and stored hashed', async () => {
    const f = await createApiFixture(h.db);
    await setPassword(f.agent.id, 'correct horse battery');
    const response = await as(h.app).post('/auth/login', {
      email: f.agent.email.toUpperCase(),
      password: 'correct horse battery',
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({ role: 'agent', organization: { id: f.org.id }, user: { id: f.agent.id } });
    expect(body.token).toMatch(/^idk_/);
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const [row] = await h.db.adminDb.select().from(apiTokens).where(eq(apiTokens.id, body.tokenId));
    expect(row!.tokenHash).not.toContain(body.token);
    expect(body.token.startsWith(row!.tokenPrefix)).toBe(true);
    expect((await as(h.app, body.token).get('/tickets')).statusCode).toBe(200);
    const [user] = await h.db.adminDb.select().from(users).where(eq(users.id, f.agent.id));
    expect(user!.lastLoginAt).not.toBeNull();
  });

  it('answers a wrong password and an unknown email alike', async () => {
    const f = await createApiFixture(h.db);
    await setPassword(f.agent.id, 'correct horse battery');
    const wrong = await as(h.app).post('/auth/login', { email: f.agent.email, password: 'wrong password' });
    const unknown = await as(h.app).post('/auth/login', {
      email: 'nobody@example.test',
      password: 'whatever',
    });
    const noPassword = await as(h.app).post('/auth/login', { email: f.owner.email, password: 'whatever' });
    for (const response of [wrong, unknown, noPassword]) {
      expect(response.statusCode).toBe(401);
      expect(errorOf(response)).toEqual({ code: 'unauthenticated', message: 'wrong email or password' });
    }
  });

  it('refuses customers', async () => {
    const f = await createApiFixture(h.db);
    await setPassword(f.customer.id, 'customer password');
    const response = await as(h.app).post('/auth/login', {
      email: f.customer.email,
      password: 'customer password',
    });
    expect(response.statusCode).toBe(403);
  });

  it('makes a member of several organisations choose one, by body field or header', async () => {
    const a = await createOrganizationFixture(h.db, 'Alpha');
    const b = await createOrganizationFixture(h.db, 'Beta');
    await joinOrganization(h.db, a.agent, b.org.id, 'admin');
    await setPassword(a.agent.id, 'two organisations');
    const credentials = { email: a.agent.email, password: 'two organisations' };

    const unchosen = await as(h.app).post('/auth/login', credentials);
    expect(unchosen.statusCode).toBe(422);
    expect(errorOf(unchosen).code).toBe('organization_required');
    expect(
      (errorOf(unchosen).details as { organizations: { id: string }[] }).organizations
        .map((o) => o.id)
        .sort(),
    ).toEqual([a.org.id, b.org.id].sort());

    const byBody = await as(h.app).post('/auth/login', { ...credentials, organizationId: b.org.id });
    expect(byBody.json()).toMatchObject({ organization: { id: b.org.id, name: 'Beta' }, role: 'admin' });
    const byHeader = await as(h.app).post('/auth/login', credentials, { 'x-organization-id': a.org.id });
    expect(byHeader.json()).toMatchObject({ organization: { id: a.org.id }, role: 'agent' });

    const elsewhere = await createOrganizationFixture(h.db, 'Gamma');
    const stranger = await as(h.app).post('/auth/login', {
      ...credentials,
      organizationId: elsewhere.org.id,
    });
    expect(stranger.statusCode).toBe(403);
  });

  it('validates the body', async () => {
    const response = await as(h.app).post('/auth/login', { email: 'not-an-email', password: '' });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'body.email', message: 'must match format "email"' }],
    });
    const missing = await as(h.app).post('/auth/login', { email: 'a@example.test' });
    expect(errorOf(missing).details).toEqual([{ field: 'body.password', message: 'is required' }]);
  });

  it('is rate limited per client address', async () => {
    const app = await h.buildApp({ login: { maxPerMinute: 3 } });
    const remoteAddress = freshClientAddress();
    const attempt = () =>
      app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: `nobody-${remoteAddress}@example.test`, password: 'guess' },
        remoteAddress,
      });
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(errorOf(limited).code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('lets people change their own password with the current one', async () => {
    const f = await createApiFixture(h.db);
    await setPassword(f.agent.id, 'first password');
    const login = await as(h.app).post('/auth/login', { email: f.agent.email, password: 'first password' });
    const me = as(h.app, login.json().token);
    const withoutCurrent = await me.put('/me/password', { newPassword: 'second password' });
    expect(withoutCurrent.statusCode).toBe(400);
    const wrongCurrent = await me.put('/me/password', {
      currentPassword: 'not it',
      newPassword: 'second password',
    });
    expect(wrongCurrent.statusCode).toBe(403);
    expect(
      (await me.put('/me/password', { currentPassword: 'first password', newPassword: 'second password' }))
        .statusCode,
    ).toBe(204);
    const again = await as(h.app).post('/auth/login', { email: f.agent.email, password: 'second password' });
    expect(again.statusCode).toBe(201);
    const short = await me.put('/me/password', { currentPassword: 'second password', newPassword: 'short' });
    expect(errorOf(short).details).toEqual([
      { field: 'body.newPassword', message: 'must NOT have fewer than 10 characters' },
    ]);
  });
});
