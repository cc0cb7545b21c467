import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiTokens, mailboxes, slaPolicies, users } from '../../src/db/schema/index.js';
import { as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';
import { joinOrganization } from '../support/db.js';

const h = useApiHarness();

describe('/sla-policies', () => {
  const policy = (overrides: Record<string, unknown> = {}) => ({
    name: 'Urgent 24/7',
    priority: 'urgent',
    firstResponseTime: 30,
    nextResponseTime: 60,
    resolutionTime: 240,
    businessHoursOnly: false,
    isDefault: true,
    ...overrides,
  });

  it('creates, reads, changes and deletes policies', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.admin);
    const created = await api.post('/sla-policies', policy());
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    expect(created.json()).toMatchObject({ ...policy(), id });
    expect((await api.get(`/sla-policies/${id}`)).json().name).toBe('Urgent 24/7');
    expect((await api.get('/sla-policies')).json().data.map((p: { id: string }) => p.id)).toEqual([id]);
    const changed = await api.patch(`/sla-policies/${id}`, { resolutionTime: 180 });
    expect(changed.json()).toMatchObject({ resolutionTime: 180, firstResponseTime: 30 });
    expect((await api.delete(`/sla-policies/${id}`)).statusCode).toBe(204);
    expect((await api.get(`/sla-policies/${id}`)).statusCode).toBe(404);
  });

  it('keeps one default per priority: a new default replaces the previous one', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.owner);
    const first = (await api.post('/sla-policies', policy({ name: 'First' }))).json();
    const second = (await api.post('/sla-policies', policy({ name: 'Second' }))).json();
    const other = (await api.post('/sla-policies', policy({ name: 'High', priority: 'high' }))).json();
    expect((await api.get(`/sla-policies/${first.id}`)).json().isDefault).toBe(false);
    expect(second.isDefault).toBe(true);
    expect(other.isDefault).toBe(true);
    await api.patch(`/sla-policies/${first.id}`, { isDefault: true });
    const defaults = await h.db.adminDb
      .select({ name: slaPolicies.name })
      .from(slaPolicies)
      .where(and(eq(slaPolicies.organizationId, f.org.id), eq(slaPolicies.isDefault, true)));
    expect(defaults.map((d) => d.name).sort()).toEqual(['First', 'High']);
  });

  it('refuses a second default at the database too', async () => {
    const f = await createApiFixture(h.db);
    const row = {
      organizationId: f.org.id,
      priority: 'low' as const,
      firstResponseTime: 1,
      resolutionTime: 2,
    };
    await h.db.adminDb.insert(slaPolicies).values({ ...row, name: 'A', isDefault: true });
    await expect(
      h.db.adminDb.insert(slaPolicies).values({ ...row, name: 'B', isDefault: true }),
    ).rejects.toThrow();
    await h.db.adminDb.insert(slaPolicies).values({ ...row, name: 'C', isDefault: false });
  });

  it('applies a new default to the tickets opened afterwards', async () => {
    const f = await createApiFixture(h.db);
    await as(h.app, f.tokens.admin).post(
      '/sla-policies',
      policy({ priority: 'high', firstResponseTime: 45 }),
    );
    const ticket = await as(h.app, f.tokens.agent).post('/tickets', {
      customer: { email: `c-${randomUUID().slice(0, 8)}@example.test` },
      title: 'Down',
      description: 'All down',
      priority: 'high',
    });
    const detail = (await as(h.app, f.tokens.agent).get(`/tickets/${ticket.json().id}`)).json();
    expect(detail.sla.clocks.first_response.budgetMinutes).toBe(45);
    expect(detail.sla.businessHours).toBe(false);
  });

  it('validates policies', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.admin);
    const bad = await api.post('/sla-policies', policy({ firstResponseTime: 0 }));
    expect(errorOf(bad).details).toEqual([{ field: 'body.firstResponseTime', message: 'must be >= 1' }]);
    const missing = await api.post('/sla-policies', { name: 'x' });
    expect(errorOf(missing).details).toEqual([{ field: 'body.priority', message: 'is required' }]);
    const { id } = (await api.post('/sla-policies', policy())).json();
    const empty = await api.patch(`/sla-policies/${id}`, {});
    expect(empty.statusCode).toBe(400);
  });

  it('previews when a ticket opened at an instant would be due, on the organisation’s calendar', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const nineToFive = [{ start: '09:00', end: '17:00' }];
    const hours = await admin.patch('/organization', {
      businessHours: {
        timeZone: 'Europe/Berlin',
        weekly: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive },
        holidays: ['2026-01-12'],
      },
    });
    expect(hours.statusCode, hours.body).toBe(200);
    const inHours = (
      await admin.post(
        '/sla-policies',
        policy({
          firstResponseTime: 120,
          nextResponseTime: 90,
          resolutionTime: 480,
          businessHoursOnly: true,
        }),
      )
    ).json();
    // Friday 2026-01-09 16:00 in Berlin: an hour on Friday, the weekend, Monday a holiday, then Tuesday.
    const preview = await admin.get(`/sla-policies/${inHours.id}/preview?at=2026-01-09T15:00:00Z`);
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json()).toEqual({
      policyId: inHours.id,
      priority: 'urgent',
      at: '2026-01-09T15:00:00.000Z',
      timeZone: 'Europe/Berlin',
      clockStarts: '2026-01-09T15:00:00.000Z',
      firstResponseDue: '2026-01-13T09:00:00.000Z',
      nextResponseDue: '2026-01-13T08:30:00.000Z',
      resolutionDue: '2026-01-13T15:00:00.000Z',
      openings: [
        { start: '2026-01-09T15:00:00.000Z', end: '2026-01-09T16:00:00.000Z' },
        { start: '2026-01-13T08:00:00.000Z', end: '2026-01-13T15:00:00.000Z' },
      ],
    });

    // A 24/7 policy ignores the opening hours; without `at` the preview starts now.
    const allDay = (
      await admin.post('/sla-policies', policy({ priority: 'low', nextResponseTime: null, isDefault: false }))
    ).json();
    const before = Date.now();
    const now = (await admin.get(`/sla-policies/${allDay.id}/preview`)).json();
    const at = Date.parse(now.at);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(now).toMatchObject({ timeZone: null, nextResponseDue: null, clockStarts: now.at });
    expect(Date.parse(now.resolutionDue) - at).toBe(240 * 60_000);

    // Bad input, another organisation's policy, an agent.
    const bad = await admin.get(`/sla-policies/${inHours.id}/preview?at=next-friday`);
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).details).toEqual([expect.objectContaining({ field: 'querystring.at' })]);
    expect((await admin.get(`/sla-policies/${inHours.id}/preview?when=now`)).statusCode).toBe(400);
    expect((await admin.get('/sla-policies/not-a-uuid/preview')).statusCode).toBe(400);
    const other = await createApiFixture(h.db, 'Other');
    const foreign = await as(h.app, other.tokens.admin).get(`/sla-policies/${inHours.id}/preview`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('Europe/Berlin');
    expect((await as(h.app, f.tokens.agent).get(`/sla-policies/${inHours.id}/preview`)).statusCode).toBe(403);
  });
});

describe('/mailboxes', () => {
  const mailbox = (overrides: Record<string, unknown> = {}) => ({
    name: 'Support',
    address: `Support-${randomUUID().slice(0, 8)}@Acme.test`,
    imapHost: 'imap.acme.test',
    imapPort: 993,
    imapUser: 'support',
    imapPassword: 'imap-secret-value',
    smtpHost: 'smtp.acme.test',
    smtpPassword: 'smtp-secret-value',
    ...overrides,
  });

  it('never returns the passwords, only whether they are set', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.admin);
    const created = await api.post('/mailboxes', mailbox());
    expect(created.statusCode).toBe(201);
    const { id, address } = created.json();
    expect(address).toMatch(/^support-.*@acme\.test$/);
    expect(created.json()).toMatchObject({
      hasImapPassword: true,
      hasSmtpPassword: true,
      imapFolder: 'INBOX',
    });
    const responses = [created, await api.get('/mailboxes'), await api.get(`/mailboxes/${id}`)];
    const cleared = await api.patch(`/mailboxes/${id}`, {
      smtpPassword: null,
      imapPassword: 'rotated-secret',
    });
    responses.push(cleared);
    for (const response of responses) {
      expect(response.body).not.toMatch(/secret|imapPassword|smtpPassword/);
    }
    expect(cleared.json()).toMatchObject({ hasImapPassword: true, hasSmtpPassword: false });
    const [row] = await h.db.adminDb.select().from(mailboxes).where(eq(mailboxes.id, id));
    expect(row!.imapPassword).toBe('rotated-secret');
    expect((await api.delete(`/mailboxes/${id}`)).statusCode).toBe(204);
  });

  it('refuses an address twice in one organisation; another may claim it (only a verified claim routes mail)', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const taken = mailbox();
    expect((await as(h.app, other.tokens.admin).post('/mailboxes', taken)).statusCode).toBe(201);
    const claim = await as(h.app, f.tokens.admin).post('/mailboxes', mailbox({ address: taken.address }));
    // Answering 409 here would tell one organisation which addresses another one uses.
    expect(claim.statusCode).toBe(201);
    expect(claim.json().verifiedAt).toBeNull();
    const again = await as(h.app, f.tokens.admin).post('/mailboxes', mailbox({ address: taken.address }));
    expect(again.statusCode).toBe(409);
    expect(errorOf(again).message).toBe('this organisation has a mailbox with this address already');
  });

  it('lists every member the names and addresses only, each organisation its own', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const { id, address } = (await as(h.app, f.tokens.admin).post('/mailboxes', mailbox())).json();
    await h.db.adminDb.update(mailboxes).set({ lastError: 'IMAP login refused' }).where(eq(mailboxes.id, id));
    await as(h.app, other.tokens.admin).post('/mailboxes', mailbox({ name: 'Elsewhere' }));
    const directory = await as(h.app, f.tokens.agent).get('/mailboxes/directory');
    expect(directory.statusCode).toBe(200);
    expect(directory.json()).toEqual({ data: [{ id, name: 'Support', address }] });
    expect(directory.body).not.toMatch(/imap|smtp|secret|refused/i);
    // The full view stays the admins'.
    expect((await as(h.app, f.tokens.agent).get('/mailboxes')).statusCode).toBe(403);
    expect((await as(h.app, f.tokens.customer).get('/mailboxes/directory')).statusCode).toBe(403);
  });

  it('validates mailboxes', async () => {
    const f = await createApiFixture(h.db);
    const response = await as(h.app, f.tokens.admin).post('/mailboxes', mailbox({ imapPort: 70_000 }));
    expect(errorOf(response).details).toEqual([{ field: 'body.imapPort', message: 'must be <= 65535' }]);
    const noAddress = await as(h.app, f.tokens.admin).post('/mailboxes', { name: 'x' });
    expect(errorOf(noAddress).details).toEqual([{ field: 'body.address', message: 'is required' }]);
  });
});

describe('/members', () => {
  it('lists, adds customers, renames, changes and removes members', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.admin);
    const agents = (await api.get('/members?role=agent')).json().data;
    expect(agents.map((m: { userId: string }) => m.userId)).toEqual([f.agent.id]);
    expect((await api.get('/members')).json().data).toHaveLength(4);

    const added = await api.post('/members', { email: 'Newbie@Example.test', role: 'customer' });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ email: 'newbie@example.test', name: 'newbie', role: 'customer' });
    const again = await api.post('/members', { email: 'newbie@example.test', role: 'customer' });
    expect(again.statusCode).toBe(409);
    const staff = await api.post('/members', { email: 'colleague@example.test', role: 'agent' });
    expect(errorOf(staff).code).toBe('invitation_required');

    const renamed = await api.patch(`/members/${added.json().userId}`, { name: 'Nina Newbie' });
    expect(renamed.json()).toMatchObject({ name: 'Nina Newbie', role: 'customer' });
    const promoted = await api.patch(`/members/${added.json().userId}`, { role: 'admin' });
    expect(promoted.json()).toMatchObject({ role: 'admin', name: 'Nina Newbie' });
    expect((await api.delete(`/members/${added.json().userId}`)).statusCode).toBe(204);
    expect((await api.get(`/members/${added.json().userId}`)).statusCode).toBe(404);
  });

  it('revokes a removed member’s tokens', async () => {
    const f = await createApiFixture(h.db);
    expect((await as(h.app, f.tokens.agent).get('/tickets')).statusCode).toBe(200);
    await as(h.app, f.tokens.admin).delete(`/members/${f.agent.id}`);
    const [token] = await h.db.adminDb.select().from(apiTokens).where(eq(apiTokens.userId, f.agent.id));
    expect(token!.revokedAt).not.toBeNull();
    await joinOrganization(h.db, f.agent, f.org.id, 'agent');
    expect((await as(h.app, f.tokens.agent).get('/tickets')).statusCode).toBe(401);
  });

  it('lets only owners manage owners, and keeps the last owner', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const owner = as(h.app, f.tokens.owner);
    expect((await admin.patch(`/members/${f.agent.id}`, { role: 'owner' })).statusCode).toBe(403);
    expect((await admin.patch(`/members/${f.owner.id}`, { role: 'agent' })).statusCode).toBe(403);
    expect((await admin.delete(`/members/${f.owner.id}`)).statusCode).toBe(403);
    expect((await admin.post('/members', { email: 'boss@example.test', role: 'owner' })).statusCode).toBe(
      422,
    );

    const lastOwner = await owner.patch(`/members/${f.owner.id}`, { role: 'admin' });
    expect(lastOwner.statusCode).toBe(409);
    expect(errorOf(lastOwner).message).toBe('the organisation must keep at least one owner');
    expect((await owner.patch(`/members/${f.admin.id}`, { role: 'owner' })).json().role).toBe('owner');
    expect((await owner.patch(`/members/${f.owner.id}`, { role: 'admin' })).statusCode).toBe(200);
  });

  it('never sets a password, not even for an account it creates', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    for (const email of [other.owner.email, 'brand.new@example.test']) {
      const hijack = await as(h.app, f.tokens.admin).post('/members', {
        email,
        role: 'customer',
        password: 'attacker password',
      });
      expect(hijack.statusCode).toBe(400);
    }
    const [user] = await h.db.adminDb.select().from(users).where(eq(users.id, other.owner.id));
    expect(user!.passwordHash).toBeNull();
  });

  it('validates members', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.admin);
    const badRole = await api.post('/members', { email: 'x@example.test', role: 'boss' });
    expect(errorOf(badRole).details).toEqual([
      { field: 'body.role', message: 'must be one of customer, agent, admin, owner' },
    ]);
    const shortPassword = await api.post('/members', {
      email: 'x@example.test',
      role: 'agent',
      password: 'short',
    });
    expect(shortPassword.statusCode).toBe(400);
    expect((await api.patch(`/members/${f.agent.id}`, {})).statusCode).toBe(400);
  });
});

describe('/tokens', () => {
  it('shows a new token once, lists tokens without secrets, and revokes them', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.admin);
    const created = await api.post('/tokens', { name: 'CI bot', userId: f.agent.id, expiresInDays: 7 });
    expect(created.statusCode).toBe(201);
    const { token, id, tokenPrefix } = created.json();
    expect(token.startsWith(tokenPrefix)).toBe(true);
    expect(created.json()).toMatchObject({ name: 'CI bot', userId: f.agent.id, createdById: f.admin.id });
    expect((await as(h.app, token).get('/me')).json()).toMatchObject({
      user: { id: f.agent.id },
      role: 'agent',
    });

    const listing = await api.get('/tokens');
    expect(listing.body).not.toContain(token);
    expect(listing.body).not.toMatch(/tokenHash|token_hash/);
    expect(listing.json().data.find((t: { id: string }) => t.id === id)).toMatchObject({
      tokenPrefix,
      revokedAt: null,
    });

    expect((await api.delete(`/tokens/${id}`)).statusCode).toBe(204);
    expect((await as(h.app, token).get('/me')).statusCode).toBe(401);
    expect((await api.delete(`/tokens/${id}`)).statusCode).toBe(204);
  });

  it('creates tokens for the caller by default and only for active staff members', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.admin);
    expect((await api.post('/tokens', { name: 'mine' })).json().userId).toBe(f.admin.id);
    for (const userId of [f.customer.id, randomUUID()]) {
      const response = await api.post('/tokens', { name: 'x', userId });
      expect(response.statusCode).toBe(422);
    }
    expect((await api.post('/tokens', { name: 'x', userId: f.owner.id })).statusCode).toBe(403);
    expect(
      (await as(h.app, f.tokens.owner).post('/tokens', { name: 'x', userId: f.owner.id })).statusCode,
    ).toBe(201);
  });

  it('validates tokens', async () => {
    const f = await createApiFixture(h.db);
    const response = await as(h.app, f.tokens.admin).post('/tokens', { name: '', expiresInDays: 0 });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).details).toEqual([
      { field: 'body.name', message: 'must NOT have fewer than 1 characters' },
    ]);
  });
});
