import { createHash, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/api/auth/passwords.js';
import { auditLogs, organizationInvitations, users } from '../../src/db/schema/index.js';
import {
  type ApiFixture,
  as,
  createApiFixture,
  errorOf,
  freshClientAddress,
  useApiHarness,
} from '../support/api.js';

const h = useApiHarness();

const newAddress = () => `invitee-${randomUUID().slice(0, 8)}@example.test`;

interface Invitation {
  id: string;
  email: string;
  role: string;
  state: string;
}

/** Invites `email` as the fixture's admin and returns the invitation and the token from the email sent. */
async function invite(f: ApiFixture, email: string, role?: 'agent' | 'admin') {
  const seen = h.tickets.sink.messages.length;
  const response = await as(h.app, f.tokens.admin).post('/invitations', { email, ...(role ? { role } : {}) });
  expect(response.statusCode, response.body).toBe(201);
  const mail = await h.tickets.sink.waitFor(
    (m) => m.seq > seen && m.envelope.to.includes(email.toLowerCase()),
  );
  const token = /idi_[\w-]{43}/.exec(mail.text ?? '')?.[0];
  expect(token, mail.text).toBeDefined();
  return { invitation: response.json() as Invitation, token: token!, mail };
}

const accept = (body: Record<string, unknown>) => as(h.app).post('/invitations/accept', body);

describe('POST /invitations', () => {
  it('emails a single-use token and stores only its hash', async () => {
    const f = await createApiFixture(h.db, 'Invite Co');
    const email = newAddress();
    const { invitation, token, mail } = await invite(f, email);

    expect(invitation).toMatchObject({ email, role: 'agent', state: 'open', invitedBy: f.admin.id });
    expect(JSON.stringify(invitation)).not.toMatch(/idi_|tokenHash/);
    expect(mail.subject).toBe('Ada Admin invited you to Invite Co on InsightDesk');
    expect(mail.text).toContain('/invitations/accept');
    const [row] = await h.db.adminDb
      .select()
      .from(organizationInvitations)
      .where(eq(organizationInvitations.id, invitation.id));
    expect(row!.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBeCloseTo(168 * 3_600_000, -4);
  });

  it('refuses addresses that are already agents, admins or owners, but lets a customer be invited', async () => {
    const f = await createApiFixture(h.db);
    const taken = await as(h.app, f.tokens.admin).post('/invitations', {
      email: f.agent.email.toUpperCase(),
    });
    expect(taken.statusCode).toBe(409);
    expect(errorOf(taken).message).toBe(
      `${f.agent.email} is already a member (agent): change the role with PATCH /members/{id}`,
    );

    const { token } = await invite(f, f.customer.email);
    const accepted = await accept({ token, name: 'Carla' });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json().role).toBe('agent');
    const member = await as(h.app, f.tokens.admin).get(`/members/${f.customer.id}`);
    // The name the person gave when accepting is what the organisation now calls them.
    expect(member.json()).toMatchObject({ role: 'agent', name: 'Carla' });
  });

  it('answers bad emails and roles with 400 in the error shape', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    for (const [body, field] of [
      [{ email: 'not-an-email' }, 'body.email'],
      [{ email: newAddress(), role: 'owner' }, 'body.role'],
      [{ email: newAddress(), role: 'customer' }, 'body.role'],
      [{}, 'body.email'],
      [{ email: newAddress(), extra: 1 }, 'body.extra'],
    ] as const) {
      const response = await admin.post('/invitations', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      const error = errorOf(response);
      expect(error.code).toBe('validation_failed');
      expect(error.details).toEqual([expect.objectContaining({ field })]);
    }
    expect((await admin.get('/invitations')).json().data).toEqual([]);
  });

  it('saves nothing when the mail server refuses the email', async () => {
    const f = await createApiFixture(h.db);
    h.tickets.sink.failNext(1, 550, 'rcpt');
    const response = await as(h.app, f.tokens.admin).post('/invitations', { email: newAddress() });
    expect(response.statusCode).toBe(502);
    expect(errorOf(response)).toEqual({
      code: 'mail_failed',
      message: 'the invitation email could not be sent; nothing was saved, try again',
    });
    expect((await as(h.app, f.tokens.admin).get('/invitations')).json().data).toEqual([]);
  });

  it('replaces the open invitation of an address invited again: the old token stops working', async () => {
    const f = await createApiFixture(h.db);
    const email = newAddress();
    const first = await invite(f, email);
    const second = await invite(f, email, 'admin');
    expect(second.token).not.toBe(first.token);

    const old = await accept({ token: first.token, name: 'Ivy' });
    expect(old.statusCode).toBe(410);
    expect(errorOf(old).code).toBe('invitation_revoked');

    const listed = (await as(h.app, f.tokens.admin).get('/invitations')).json().data as Invitation[];
    expect(listed.map((i) => [i.id, i.state, i.role])).toEqual([
      [second.invitation.id, 'open', 'admin'],
      [first.invitation.id, 'revoked', 'agent'],
    ]);
    const accepted = await accept({ token: second.token, name: 'Ivy' });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json().role).toBe('admin');
  });
});

describe('POST /invitations/accept', () => {
  it('creates the account and membership and returns a first token that works', async () => {
    const f = await createApiFixture(h.db, 'Welcome Ltd');
    const email = newAddress();
    const { invitation, token } = await invite(f, email, 'admin');

    const response = await accept({ token, name: 'Ivy Invitee', password: 'correct horse battery' });
    expect(response.statusCode, response.body).toBe(201);
    const grant = response.json();
    expect(grant).toMatchObject({
      user: { name: 'Ivy Invitee', email },
      organization: { id: f.org.id, name: 'Welcome Ltd' },
      role: 'admin',
    });
    expect(grant.token).toMatch(/^idk_/);

    const me = await as(h.app, grant.token).get('/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { email }, organization: { id: f.org.id }, role: 'admin' });
    const member = await as(h.app, f.tokens.owner).get(`/members/${grant.user.id}`);
    expect(member.json()).toMatchObject({ email, role: 'admin', name: 'Ivy Invitee' });
    const login = await as(h.app).post('/auth/login', { email, password: 'correct horse battery' });
    expect(login.statusCode).toBe(201);

    const listed = (await as(h.app, f.tokens.admin).get('/invitations')).json().data;
    expect(listed).toEqual([
      expect.objectContaining({ id: invitation.id, state: 'accepted', acceptedBy: grant.user.id }),
    ]);
  });

  it('works once: a second acceptance answers 409', async () => {
    const f = await createApiFixture(h.db);
    const { token } = await invite(f, newAddress());
    expect((await accept({ token, name: 'Ivy' })).statusCode).toBe(201);
    const again = await accept({ token, name: 'Ivy' });
    expect(again.statusCode).toBe(409);
    expect(errorOf(again)).toEqual({
      code: 'invitation_used',
      message: 'this invitation has already been accepted; log in instead',
    });
  });

  it('tells expired, revoked and unknown tokens apart', async () => {
    const f = await createApiFixture(h.db);
    const expired = await invite(f, newAddress());
    await h.db.adminDb
      .update(organizationInvitations)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(organizationInvitations.id, expired.invitation.id));
    const late = await accept({ token: expired.token, name: 'Ivy' });
    expect(late.statusCode).toBe(410);
    expect(errorOf(late).code).toBe('invitation_expired');
    expect(errorOf(late).message).toMatch(
      /^this invitation expired at .*; ask an admin to invite you again$/,
    );

    const revoked = await invite(f, newAddress());
    const admin = as(h.app, f.tokens.admin);
    expect((await admin.delete(`/invitations/${revoked.invitation.id}`)).statusCode).toBe(204);
    const refused = await accept({ token: revoked.token, name: 'Ivy' });
    expect(refused.statusCode).toBe(410);
    expect(errorOf(refused).code).toBe('invitation_revoked');

    const unknown = await accept({ token: `idi_${'x'.repeat(43)}`, name: 'Ivy' });
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown)).toEqual({
      code: 'not_found',
      message: 'no invitation has this token; check the invitation email',
    });

    const states = (await admin.get('/invitations')).json().data.map((i: Invitation) => [i.id, i.state]);
    expect(states).toEqual(
      expect.arrayContaining([
        [expired.invitation.id, 'expired'],
        [revoked.invitation.id, 'revoked'],
      ]),
    );
  });

  it('an existing account accepts with its own password, which the invitation never changes', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Elsewhere');
    await h.db.adminDb
      .update(users)
      .set({ passwordHash: await hashPassword('first password 1') })
      .where(eq(users.id, other.agent.id));
    const { token } = await invite(f, other.agent.email);

    for (const password of [undefined, 'taken over pass']) {
      const refused = await accept({ token, name: 'Someone', ...(password ? { password } : {}) });
      expect(refused.statusCode).toBe(403);
      expect(errorOf(refused).code).toBe('password_required');
    }

    // The refusals used nothing up: the invitation is still open, and the account's holder joins with it.
    const joined = await accept({ token, name: 'Someone', password: 'first password 1' });
    expect(joined.statusCode).toBe(201);
    expect(joined.json().user).toMatchObject({ id: other.agent.id, name: 'Someone' });
    const login = await as(h.app).post('/auth/login', {
      email: other.agent.email,
      password: 'first password 1',
    });
    expect(login.statusCode).toBe(422); // two organisations now: the login asks which one
    expect(errorOf(login).code).toBe('organization_required');
  });

  it('validates its body and is rate limited like login', async () => {
    const missingName = await accept({ token: 'idi_x' });
    expect(missingName.statusCode).toBe(400);
    expect(errorOf(missingName).details).toEqual([{ field: 'body.name', message: 'is required' }]);
    const shortPassword = await accept({ token: 'idi_x', name: 'I', password: 'short' });
    expect(shortPassword.statusCode).toBe(400);

    const limited = await h.buildApp({ login: { maxPerMinute: 2 } });
    const remoteAddress = freshClientAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const payload = { token: 'idi_x', name: 'I' };
      statuses.push(
        (await limited.inject({ method: 'POST', url: '/invitations/accept', payload, remoteAddress }))
          .statusCode,
      );
    }
    expect(statuses).toEqual([404, 404, 429]);
  });
});

describe('roles and tenancy', () => {
  it('keeps agents out of inviting, listing and revoking', async () => {
    const f = await createApiFixture(h.db);
    const { invitation } = await invite(f, newAddress());
    const agent = as(h.app, f.tokens.agent);
    for (const response of [
      await agent.post('/invitations', { email: newAddress() }),
      await agent.get('/invitations'),
      await agent.delete(`/invitations/${invitation.id}`),
    ]) {
      expect(response.statusCode).toBe(403);
      expect(errorOf(response).message).toBe('this needs the admin role or above');
    }
  });

  it('hides one organisation’s invitations from another’s admins', async () => {
    const mine = await createApiFixture(h.db, 'Mine');
    const theirs = await createApiFixture(h.db, 'Theirs');
    const { invitation, token } = await invite(mine, newAddress());
    const stranger = as(h.app, theirs.tokens.owner);

    const listed = await stranger.get('/invitations');
    expect(listed.statusCode).toBe(200);
    expect(listed.json().data).toEqual([]);
    const revoke = await stranger.delete(`/invitations/${invitation.id}`);
    expect(revoke.statusCode).toBe(404);
    expect(errorOf(revoke)).toEqual({ code: 'not_found', message: 'invitation not found' });

    const accepted = await accept({ token, name: 'Ivy' });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json().organization.id).toBe(mine.org.id);
  });

  it('refuses to revoke an accepted invitation and treats a second revocation as done', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const accepted = await invite(f, newAddress());
    await accept({ token: accepted.token, name: 'Ivy' });
    const late = await admin.delete(`/invitations/${accepted.invitation.id}`);
    expect(late.statusCode).toBe(409);
    expect(errorOf(late).message).toBe('the invitation was accepted: remove the member instead');

    const open = await invite(f, newAddress());
    expect((await admin.delete(`/invitations/${open.invitation.id}`)).statusCode).toBe(204);
    expect((await admin.delete(`/invitations/${open.invitation.id}`)).statusCode).toBe(204);
  });
});

describe('audit log', () => {
  it('records creation, replacement, revocation and acceptance, without secrets', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const email = newAddress();
    const first = await invite(f, email);
    const second = await invite(f, email);
    const grant = (await accept({ token: second.token, name: 'Ivy' })).json();
    const other = await invite(f, newAddress());
    await admin.delete(`/invitations/${other.invitation.id}`);

    const entries = await h.db.adminDb.select().from(auditLogs).where(eq(auditLogs.organizationId, f.org.id));
    const summary = entries
      .filter((e) => e.targetType === 'invitation')
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
      .map((e) => [e.action, e.actorId, e.targetId]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['invitation.created', f.admin.id, first.invitation.id],
        ['invitation.revoked', f.admin.id, first.invitation.id],
        ['invitation.created', f.admin.id, second.invitation.id],
        ['invitation.accepted', grant.user.id, second.invitation.id],
        ['invitation.created', f.admin.id, other.invitation.id],
        ['invitation.revoked', f.admin.id, other.invitation.id],
      ]),
    );
    expect(summary).toHaveLength(6);
    const acceptedEntry = entries.find((e) => e.action === 'invitation.accepted')!;
    expect(acceptedEntry.before).toMatchObject({ state: 'open', acceptedBy: null });
    expect(acceptedEntry.after).toMatchObject({
      state: 'accepted',
      acceptedBy: grant.user.id,
      memberRole: 'agent',
    });

    const stored = JSON.stringify(entries);
    for (const secret of [first.token, second.token, other.token, grant.token]) {
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(createHash('sha256').update(secret).digest('hex'));
    }
    const listed = await admin.get('/audit-logs?targetType=invitation&limit=100');
    expect(listed.json().data).toHaveLength(6);
  });
});
