import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/api/auth/passwords.js';
import { issueApiToken } from '../../src/api/auth/tokens.js';
import { totpCode, totpStep } from '../../src/auth/two-factor.js';
import { apiTokens, organizations, sessions, users, verifications } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';
import { joinOrganization } from '../support/db.js';

const h = useApiHarness();

const newAddress = (label = 'person') => `${label}-${randomUUID().slice(0, 8)}@example.test`;

async function setPassword(userId: string, password: string) {
  await h.db.adminDb
    .update(users)
    .set({ passwordHash: await hashPassword(password) })
    .where(eq(users.id, userId));
}

/** A token the person got by signing in themselves (not one an admin minted for them). */
async function personalToken(f: Pick<ApiFixture, 'org'>, user: { id: string }) {
  const issued = await h.db.withTenant({ organizationId: f.org.id, userId: user.id }, (tx) =>
    issueApiToken(tx, {
      organizationId: f.org.id,
      userId: user.id,
      name: 'mine',
      createdById: user.id,
      expiresAt: null,
    }),
  );
  return issued.token;
}

/** The newest mail to `to` after `seen`, and the single-use link token in it. */
async function mailTo(to: string, seen: number, mark = 'idv_') {
  const mail = await h.tickets.sink.waitFor((m) => m.seq > seen && m.envelope.to.includes(to.toLowerCase()));
  const token = new RegExp(`${mark}[\\w-]{43}`).exec(mail.text ?? '')?.[0];
  return { mail, token };
}

const sentSoFar = () => h.tickets.sink.messages.length;

interface Browser {
  cookie: string;
  csrf: string;
  response: LightMyRequestResponse;
}

function sessionCookie(response: LightMyRequestResponse) {
  const header = [response.headers['set-cookie']].flat().find((c) => c?.startsWith('insightdesk_session='));
  return header;
}

async function signIn(email: string, password: string): Promise<Browser> {
  const response = await as(h.app).post('/auth/sign-in', { email, password });
  const header = sessionCookie(response);
  const cookie = header?.split(';')[0] ?? '';
  return { cookie, csrf: response.json().csrfToken, response };
}

/** Requests as a signed-in browser; writes carry the CSRF header unless `csrf: false`. */
function browser(b: Pick<Browser, 'cookie' | 'csrf'>, { csrf = true } = {}) {
  const headers = (extra: Record<string, string> = {}) => ({
    cookie: b.cookie,
    ...(csrf ? { 'x-csrf-token': b.csrf } : {}),
    ...extra,
  });
  return {
    get: (url: string, extra?: Record<string, string>) =>
      h.app.inject({ method: 'GET', url, headers: headers(extra) }),
    send: (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      h.app.inject({ method, url, payload, headers: headers() }),
  };
}

/** A person who signed up and confirmed their address, with a password of their own. */
async function signedUpPerson(name = 'Pat Person') {
  const email = newAddress();
  const seen = sentSoFar();
  expect(
    (await as(h.app).post('/auth/sign-up', { email, name, password: 'a good password' })).statusCode,
  ).toBe(202);
  const { token } = await mailTo(email, seen);
  expect((await as(h.app).post('/auth/verify-email', { token })).statusCode).toBe(204);
  const [user] = await h.db.adminDb.select().from(users).where(eq(users.email, email));
  return { user: user!, email, password: 'a good password' };
}

describe('an organisation cannot take over another organisation’s accounts', () => {
  it('chain 1: adding, minting a token for and setting the password of another organisation’s password-less admin all fail', async () => {
    const a = await createApiFixture(h.db, 'Attacker');
    const b = await createApiFixture(h.db, 'Victim');
    const added = await as(h.app, a.tokens.owner).post('/members', { email: b.admin.email, role: 'agent' });
    expect(added.statusCode).toBe(422);
    expect(errorOf(added).code).toBe('invitation_required');
    expect(added.body).not.toContain(b.admin.id);
    expect(added.body).not.toContain('Ada Admin');
    const minted = await as(h.app, a.tokens.owner).post('/tokens', { name: 'x', userId: b.admin.id });
    expect(minted.statusCode).toBe(422);

    // Even a genuine member of A (B's admin accepted A's invitation) is not A's to take over.
    await joinOrganization(h.db, b.admin, a.org.id, 'agent');
    const issued = await as(h.app, a.tokens.owner).post('/tokens', { name: 'x', userId: b.admin.id });
    expect(issued.statusCode).toBe(201);
    const orgToken = as(h.app, issued.json().token);
    expect((await orgToken.get('/me')).json().credential).toBe('issued_token');
    for (const attempt of [
      orgToken.put('/me/password', { currentPassword: 'whatever', newPassword: 'attacker password' }),
      orgToken.post('/me/email', { newEmail: newAddress('attacker'), currentPassword: 'whatever' }),
      orgToken.get('/me/account'),
      orgToken.get('/me/sessions'),
      orgToken.post('/me/two-factor', {}),
    ]) {
      const response = await attempt;
      expect(response.statusCode).toBe(403);
      expect(errorOf(response).code).toBe('personal_credential_required');
    }
    const noCurrent = await orgToken.put('/me/password', { newPassword: 'attacker password' });
    expect(noCurrent.statusCode).toBe(403);
    const [victim] = await h.db.adminDb.select().from(users).where(eq(users.id, b.admin.id));
    expect(victim!.passwordHash).toBeNull();
    const login = await as(h.app).post('/auth/login', {
      email: b.admin.email,
      password: 'attacker password',
      organizationId: b.org.id,
    });
    expect(login.statusCode).toBe(401);
  });

  it('a person without a password sets the first one by emailed link, not by PUT /me/password', async () => {
    const f = await createApiFixture(h.db);
    const mine = as(h.app, await personalToken(f, f.agent));
    const put = await mine.put('/me/password', {
      currentPassword: 'anything',
      newPassword: 'my own password',
    });
    expect(put.statusCode).toBe(409);
    expect(errorOf(put).code).toBe('no_password');

    const seen = sentSoFar();
    expect((await as(h.app).post('/auth/password/forgot', { email: f.agent.email })).statusCode).toBe(202);
    const { token } = await mailTo(f.agent.email, seen);
    expect(token).toBeDefined();
    expect(
      (await as(h.app).post('/auth/password/reset', { token, newPassword: 'my own password' })).statusCode,
    ).toBe(204);
    const login = await as(h.app).post('/auth/login', { email: f.agent.email, password: 'my own password' });
    expect(login.statusCode).toBe(201);
  });

  it('chain 2: no organisation pre-registers a password for an address another organisation later adds', async () => {
    const a = await createApiFixture(h.db, 'Attacker');
    const b = await createApiFixture(h.db, 'Victim');
    const email = newAddress('newhire');
    const withPassword = await as(h.app, a.tokens.owner).post('/members', {
      email,
      role: 'agent',
      password: 'attacker password',
    });
    expect(withPassword.statusCode).toBe(400);
    expect((await as(h.app, a.tokens.owner).post('/members', { email, role: 'agent' })).statusCode).toBe(422);

    // A invites the address and someone holding A's invitation accepts first, with a password.
    const seenA = sentSoFar();
    await as(h.app, a.tokens.admin).post('/invitations', { email });
    const invitationA = (await mailTo(email, seenA, 'idi_')).token!;
    expect(
      (
        await as(h.app).post('/invitations/accept', {
          token: invitationA,
          name: 'New Hire',
          password: 'first password',
        })
      ).statusCode,
    ).toBe(201);
    // B's invitation cannot be used to choose another password for the now existing account.
    const seenB = sentSoFar();
    await as(h.app, b.tokens.admin).post('/invitations', { email, role: 'admin' });
    const invitationB = (await mailTo(email, seenB, 'idi_')).token!;
    const other = await as(h.app).post('/invitations/accept', {
      token: invitationB,
      name: 'Hire',
      password: 'attacker password',
    });
    expect(other.statusCode).toBe(403);
    expect(errorOf(other).code).toBe('password_required');
    const own = await as(h.app).post('/invitations/accept', {
      token: invitationB,
      name: 'Hire',
      password: 'first password',
    });
    expect(own.statusCode).toBe(201);
    expect(own.json()).toMatchObject({ role: 'admin', organization: { id: b.org.id } });
  });

  it('keeps each organisation’s name for a person to itself', async () => {
    const a = await createApiFixture(h.db, 'Namer');
    const b = await createApiFixture(h.db, 'Named');
    const ticket = await as(h.app, a.tokens.agent).post('/tickets', {
      title: 'Hello',
      description: 'Hi',
      customer: { email: b.owner.email, name: 'Evil Name' },
    });
    expect(ticket.statusCode, ticket.body).toBe(201);
    expect((await as(h.app, b.tokens.admin).get(`/members/${b.owner.id}`)).json().name).toBe('Olivia Owner');
    expect((await as(h.app, b.tokens.owner).get('/me')).json().user.name).toBe('Olivia Owner');
    const [account] = await h.db.adminDb.select().from(users).where(eq(users.id, b.owner.id));
    expect(account!.name).toBe('Olivia Owner');

    // Without a name, A sees the address, never the name B (or the person) chose.
    const c = await createApiFixture(h.db, 'Curious');
    const plain = await as(h.app, c.tokens.agent).post('/tickets', {
      title: 'Hello',
      description: 'Hi',
      customer: { email: b.owner.email },
    });
    expect(plain.body).not.toContain('Olivia');
    const detail = await as(h.app, c.tokens.agent).get(`/tickets/${plain.json().id}`);
    expect(detail.body).not.toContain('Olivia');
    const asCustomer = await as(h.app, c.tokens.admin).post('/members', {
      email: b.owner.email,
      role: 'customer',
    });
    expect(asCustomer.statusCode).toBe(409);
    expect(asCustomer.body).not.toContain('Olivia');
  });

  it('lets only owners revoke an owner’s token', async () => {
    const f = await createApiFixture(h.db);
    const [ownerToken] = await h.db.adminDb.select().from(apiTokens).where(eq(apiTokens.userId, f.owner.id));
    const byAdmin = await as(h.app, f.tokens.admin).delete(`/tokens/${ownerToken!.id}`);
    expect(byAdmin.statusCode).toBe(403);
    expect((await as(h.app, f.tokens.owner).get('/me')).statusCode).toBe(200);
    expect((await as(h.app, f.tokens.owner).delete(`/tokens/${ownerToken!.id}`)).statusCode).toBe(204);
    expect((await as(h.app, f.tokens.owner).get('/me')).statusCode).toBe(401);
  });

  it('a deactivated organisation refuses every token and session at once', async () => {
    const f = await createApiFixture(h.db);
    await setPassword(f.agent.id, 'agent password');
    const b = await signIn(f.agent.email, 'agent password');
    expect((await browser(b).get('/tickets')).statusCode).toBe(200);
    await h.db.adminDb.update(organizations).set({ isActive: false }).where(eq(organizations.id, f.org.id));
    for (const token of Object.values(f.tokens))
      expect((await as(h.app, token).get('/tickets')).statusCode).toBe(401);
    expect((await browser(b).get('/tickets')).statusCode).toBe(403);
    const login = await as(h.app).post('/auth/login', { email: f.agent.email, password: 'agent password' });
    expect(login.statusCode).toBe(403);
  });
});

describe('sign-up, email verification and password reset', () => {
  it('an unverified account cannot sign in; the emailed link confirms it once', async () => {
    const email = newAddress();
    const seen = sentSoFar();
    const signUp = await as(h.app).post('/auth/sign-up', { email, name: 'Una', password: 'a good password' });
    expect(signUp.statusCode).toBe(202);
    const first = await mailTo(email, seen);
    expect(first.mail.text).toContain('/account/verify-email#token=');

    const early = await as(h.app).post('/auth/sign-in', { email, password: 'a good password' });
    expect(early.statusCode).toBe(403);
    expect(errorOf(early).code).toBe('email_not_verified');
    // The refusal sent a new link; the first one stopped working.
    const second = await mailTo(email, first.mail.seq);
    expect((await as(h.app).post('/auth/verify-email', { token: first.token })).statusCode).toBe(409);
    expect((await as(h.app).post('/auth/verify-email', { token: second.token })).statusCode).toBe(204);
    expect((await as(h.app).post('/auth/verify-email', { token: second.token })).statusCode).toBe(409);
    expect((await as(h.app).post('/auth/verify-email', { token: `idv_${'x'.repeat(43)}` })).statusCode).toBe(
      404,
    );
    const signedIn = await as(h.app).post('/auth/sign-in', { email, password: 'a good password' });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().organizations).toEqual([]);
  });

  it('signing up with a taken address changes nothing and answers the same', async () => {
    const f = await createApiFixture(h.db);
    const seen = sentSoFar();
    const again = await as(h.app).post('/auth/sign-up', {
      email: f.owner.email,
      name: 'Impostor',
      password: 'impostor password',
    });
    expect(again.statusCode).toBe(202);
    const { mail, token } = await mailTo(f.owner.email, seen);
    expect(mail.subject).toBe('You already have an InsightDesk account');
    expect(token).toBeUndefined();
    const [owner] = await h.db.adminDb.select().from(users).where(eq(users.id, f.owner.id));
    expect(owner).toMatchObject({ name: 'Olivia Owner', passwordHash: null });
  });

  it('reset links work once, expire, and end the old sign-ins', async () => {
    const { email, password, user } = await signedUpPerson();
    const old = await signIn(email, password);
    expect((await browser(old).get('/auth/session')).statusCode).toBe(200);

    const unknown = await as(h.app).post('/auth/password/forgot', { email: newAddress('nobody') });
    expect(unknown.statusCode).toBe(202);
    const seen = sentSoFar();
    const forgot = await as(h.app).post('/auth/password/forgot', { email });
    expect(forgot.json()).toEqual(unknown.json());
    const { token } = await mailTo(email, seen);
    const reset = (t: string | undefined) =>
      as(h.app).post('/auth/password/reset', { token: t, newPassword: 'a new password' });
    expect((await reset(token)).statusCode).toBe(204);
    expect(errorOf(await reset(token)).code).toBe('link_used');
    expect((await browser(old).get('/auth/session')).statusCode).toBe(401);
    expect((await signIn(email, 'a new password')).response.statusCode).toBe(200);

    const seenAgain = sentSoFar();
    await as(h.app).post('/auth/password/forgot', { email });
    const late = (await mailTo(email, seenAgain)).token;
    await h.db.adminDb
      .update(verifications)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(verifications.userId, user.id));
    expect(errorOf(await reset(late)).code).toBe('link_expired');
    expect((await reset('idv_forged')).statusCode).toBe(404);
  });

  it('an email change is confirmed by the new address', async () => {
    const { email, password, user } = await signedUpPerson();
    const b = await signIn(email, password);
    const newEmail = newAddress('moved');
    const wrong = await browser(b).send('POST', '/me/email', { newEmail, currentPassword: 'not it at all' });
    expect(wrong.statusCode).toBe(403);
    const seen = sentSoFar();
    expect(
      (await browser(b).send('POST', '/me/email', { newEmail, currentPassword: password })).statusCode,
    ).toBe(202);
    const { token } = await mailTo(newEmail, seen);
    expect((await h.db.adminDb.select().from(users).where(eq(users.id, user.id)))[0]!.email).toBe(email);
    expect((await as(h.app).post('/auth/email/confirm', { token })).statusCode).toBe(204);
    expect((await signIn(newEmail, password)).response.statusCode).toBe(200);
    expect((await signIn(email, password)).response.statusCode).toBe(401);
  });
});

describe('browser sessions', () => {
  it('sets an httpOnly SameSite=Lax cookie, needs the CSRF header for writes, and signs out', async () => {
    const f = await createApiFixture(h.db);
    await setPassword(f.agent.id, 'agent password');
    const b = await signIn(f.agent.email, 'agent password');
    expect(b.response.statusCode).toBe(200);
    const cookie = sessionCookie(b.response)!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    expect(b.response.headers['cache-control']).toBe('no-store');
    expect(b.response.json()).toMatchObject({
      organizationId: f.org.id,
      organizations: [{ id: f.org.id, role: 'agent' }],
    });
    const [row] = await h.db.adminDb.select().from(sessions).where(eq(sessions.userId, f.agent.id));
    expect(b.cookie).not.toContain(row!.tokenHash);

    expect((await browser(b).get('/tickets')).statusCode).toBe(200);
    const payload = { title: 'From the browser', description: 'x', customer: { email: newAddress('c') } };
    const forged = await browser(b, { csrf: false }).send('POST', '/tickets', payload);
    expect(forged.statusCode).toBe(403);
    expect(errorOf(forged).code).toBe('csrf_failed');
    expect((await browser({ ...b, csrf: 'wrong' }).send('POST', '/tickets', payload)).statusCode).toBe(403);
    expect((await browser(b).send('POST', '/tickets', payload)).statusCode).toBe(201);
    expect((await browser(b).get('/me')).json()).toMatchObject({ credential: 'session', token: null });

    expect((await browser(b).send('POST', '/auth/sign-out')).statusCode).toBe(204);
    expect((await browser(b).get('/tickets')).statusCode).toBe(401);
  });

  it('ends idle and old sessions, lists them, and signs out one or all', async () => {
    const { email, password, user } = await signedUpPerson();
    const first = await signIn(email, password);
    const second = await signIn(email, password);
    const listed = (await browser(first).get('/me/sessions')).json().data;
    expect(listed).toHaveLength(2);
    expect(listed.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const other = listed.find((s: { current: boolean }) => !s.current);
    expect((await browser(first).send('DELETE', `/me/sessions/${other.id}`)).statusCode).toBe(204);
    expect((await browser(second).get('/auth/session')).statusCode).toBe(401);
    expect((await browser(first).send('DELETE', `/me/sessions/${randomUUID()}`)).statusCode).toBe(404);

    await h.db.adminDb
      .update(sessions)
      .set({ lastSeenAt: new Date(Date.now() - 13 * 3_600_000) })
      .where(eq(sessions.userId, user.id));
    expect((await browser(first).get('/auth/session')).statusCode).toBe(401);

    const third = await signIn(email, password);
    await h.db.adminDb
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.userId, user.id));
    expect((await browser(third).get('/auth/session')).statusCode).toBe(401);

    const fourth = await signIn(email, password);
    const fifth = await signIn(email, password);
    expect((await browser(fourth).send('DELETE', '/me/sessions?keepCurrent=true')).statusCode).toBe(204);
    expect((await browser(fifth).get('/auth/session')).statusCode).toBe(401);
    expect((await browser(fourth).get('/auth/session')).statusCode).toBe(200);
  });

  it('lets a person of several organisations choose one, and never one they are not in', async () => {
    const a = await createApiFixture(h.db, 'First');
    const b = await createApiFixture(h.db, 'Second');
    const outsider = await createApiFixture(h.db, 'Outside');
    await joinOrganization(h.db, a.agent, b.org.id, 'admin');
    await setPassword(a.agent.id, 'agent password');
    const s = await signIn(a.agent.email, 'agent password');
    expect(s.response.json().organizationId).toBeNull();
    expect(errorOf(await browser(s).get('/tickets')).code).toBe('organization_required');
    const picked = await browser(s).send('PUT', '/auth/session/organization', { organizationId: b.org.id });
    expect(picked.json().organizationId).toBe(b.org.id);
    expect((await browser(s).get('/me')).json()).toMatchObject({
      role: 'admin',
      organization: { id: b.org.id },
    });
    expect((await browser(s).get('/me', { 'x-organization-id': a.org.id })).json().role).toBe('agent');
    for (const organizationId of [outsider.org.id, randomUUID()]) {
      expect(
        (await browser(s).send('PUT', '/auth/session/organization', { organizationId })).statusCode,
      ).toBe(403);
      expect((await browser(s).get('/tickets', { 'x-organization-id': organizationId })).statusCode).toBe(
        403,
      );
    }
  });
});

describe('two-factor sign-in', () => {
  const codeAt = (secret: string, offsetSteps = 0) => totpCode(secret, totpStep(new Date()) + offsetSteps);

  it('turns on with a confirmed code, then asks for a code (or a recovery code) at each sign-in, each good once', async () => {
    const f = await createApiFixture(h.db);
    await setPassword(f.agent.id, 'agent password');
    const b = await signIn(f.agent.email, 'agent password');
    const setup = await browser(b).send('POST', '/me/two-factor', { currentPassword: 'agent password' });
    expect(setup.statusCode).toBe(200);
    const { secret, otpauthUri } = setup.json();
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect((await browser(b).send('POST', '/me/two-factor/confirm', { code: '000000' })).statusCode).toBe(
      422,
    );
    const confirmed = await browser(b).send('POST', '/me/two-factor/confirm', { code: codeAt(secret) });
    expect(confirmed.statusCode).toBe(200);
    const { recoveryCodes } = confirmed.json();
    expect(recoveryCodes).toHaveLength(10);

    const pending = await signIn(f.agent.email, 'agent password');
    expect(pending.response.json().twoFactorPending).toBe(true);
    expect(errorOf(await browser(pending).get('/tickets')).code).toBe('second_factor_required');
    expect(errorOf(await browser(pending).send('POST', '/auth/two-factor', { code: '123456' })).code).toBe(
      'second_factor_invalid',
    );
    const next = codeAt(secret, 1);
    expect((await browser(pending).send('POST', '/auth/two-factor', { code: next })).statusCode).toBe(200);
    expect((await browser(pending).get('/tickets')).statusCode).toBe(200);

    // The same code again (a replay) is refused; a recovery code works once.
    const replay = await signIn(f.agent.email, 'agent password');
    expect((await browser(replay).send('POST', '/auth/two-factor', { code: next })).statusCode).toBe(401);
    expect(
      (await browser(replay).send('POST', '/auth/two-factor', { code: recoveryCodes[0] })).statusCode,
    ).toBe(200);
    const reused = await signIn(f.agent.email, 'agent password');
    expect(
      (await browser(reused).send('POST', '/auth/two-factor', { code: recoveryCodes[0] })).statusCode,
    ).toBe(401);

    const tokenLogin = await as(h.app).post('/auth/login', {
      email: f.agent.email,
      password: 'agent password',
    });
    expect(errorOf(tokenLogin).code).toBe('second_factor_required');
    const withCode = await as(h.app).post('/auth/login', {
      email: f.agent.email,
      password: 'agent password',
      code: recoveryCodes[1],
    });
    expect(withCode.statusCode).toBe(201);
  });

  it('an organisation that requires it refuses its staff without a second factor', async () => {
    const f = await createApiFixture(h.db);
    await setPassword(f.agent.id, 'agent password');
    const on = await as(h.app, f.tokens.admin).patch('/organization', { requireTwoFactor: true });
    expect(on.json().settings.requireTwoFactor).toBe(true);
    const b = await signIn(f.agent.email, 'agent password');
    expect(errorOf(await browser(b).get('/tickets')).code).toBe('two_factor_required');
    const login = await as(h.app).post('/auth/login', { email: f.agent.email, password: 'agent password' });
    expect(errorOf(login).code).toBe('two_factor_required');
    // The account's own settings stay reachable, so the person can turn it on.
    expect(
      (await browser(b).send('POST', '/me/two-factor', { currentPassword: 'agent password' })).statusCode,
    ).toBe(200);
  });
});
