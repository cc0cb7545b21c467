import { describe, expect, it } from 'vitest';
import { as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';

const h = useApiHarness();

interface Entry {
  action: string;
  actorId: string | null;
  targetType: string;
  targetId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

describe('/audit-logs', () => {
  it('records every admin write with who, what, target, before and after', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);

    const policy = (
      await admin.post('/sla-policies', {
        name: 'Urgent',
        priority: 'urgent',
        firstResponseTime: 30,
        resolutionTime: 240,
      })
    ).json();
    await admin.patch(`/sla-policies/${policy.id}`, { name: 'Urgent!' });
    await admin.delete(`/sla-policies/${policy.id}`);

    const mailbox = (
      await admin.post('/mailboxes', {
        name: 'Support',
        address: 'support-audit@example.test',
        imapPassword: 'imap-secret-1',
        smtpPassword: 'smtp-secret-1',
      })
    ).json();
    await admin.patch(`/mailboxes/${mailbox.id}`, { imapPassword: 'imap-secret-2', name: 'Help' });
    await admin.delete(`/mailboxes/${mailbox.id}`);

    const member = (
      await admin.post('/members', { email: 'new-agent@example.test', role: 'customer' })
    ).json();
    await admin.patch(`/members/${member.userId}`, { role: 'admin' });
    const token = (await admin.post('/tokens', { name: 'CI', userId: member.userId })).json();
    await admin.delete(`/tokens/${token.id}`);
    await admin.delete(`/tokens/${token.id}`); // already revoked: nothing new to record
    await admin.delete(`/members/${member.userId}`);

    const response = await admin.get('/audit-logs?limit=100');
    expect(response.statusCode, response.body).toBe(200);
    const { data, pagination } = response.json() as { data: Entry[]; pagination: { total: number } };
    expect(data.map((e) => e.action).reverse()).toEqual([
      'sla_policy.created',
      'sla_policy.updated',
      'sla_policy.deleted',
      'mailbox.created',
      'mailbox.updated',
      'mailbox.deleted',
      'member.added',
      'member.role_changed',
      'token.created',
      'token.revoked',
      'member.removed',
    ]);
    expect(pagination.total).toBe(11);
    expect(data.every((e) => e.actorId === f.admin.id)).toBe(true);

    const byAction = (action: string) => data.find((e) => e.action === action)!;
    expect(byAction('sla_policy.updated')).toMatchObject({
      targetType: 'sla_policy',
      targetId: policy.id,
      before: { name: 'Urgent', firstResponseTime: 30 },
      after: { name: 'Urgent!', firstResponseTime: 30 },
    });
    expect(byAction('sla_policy.deleted').after).toBeNull();
    expect(byAction('member.role_changed')).toMatchObject({
      targetType: 'member',
      targetId: member.userId,
      before: { role: 'customer' },
      after: { role: 'admin' },
    });
    expect(byAction('token.revoked')).toMatchObject({ before: { revokedAt: null }, after: { name: 'CI' } });
    expect(byAction('token.revoked').after!.revokedAt).toEqual(expect.any(String));

    // Secrets never reach the log.
    expect(byAction('mailbox.updated')).toMatchObject({
      before: { name: 'Support', hasImapPassword: true },
      after: { name: 'Help', hasImapPassword: true },
    });
    const text = response.body;
    for (const secret of ['imap-secret-1', 'imap-secret-2', 'smtp-secret-1', token.token]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('tokenHash');
    expect(text).not.toContain('passwordHash');
  });

  it('filters by action, actor, target and date, and pages', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const owner = as(h.app, f.tokens.owner);
    const first = (await admin.post('/tokens', { name: 'one' })).json();
    await owner.post('/tokens', { name: 'two' });
    await admin.delete(`/tokens/${first.id}`);

    const actions = async (query: string) =>
      (await owner.get(`/audit-logs${query}`)).json().data.map((e: Entry) => e.action);
    expect(await actions('?action=token.created')).toEqual(['token.created', 'token.created']);
    expect(await actions(`?actorId=${f.owner.id}`)).toEqual(['token.created']);
    expect(await actions(`?targetType=token&targetId=${first.id}`)).toEqual([
      'token.revoked',
      'token.created',
    ]);
    expect(await actions('?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).toEqual([]);
    expect(
      await actions(`?from=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`),
    ).toHaveLength(3);

    const page2 = (await owner.get('/audit-logs?limit=2&page=2')).json();
    expect(page2.data).toHaveLength(1);
    expect(page2.pagination).toEqual({ page: 2, limit: 2, total: 3, totalPages: 2 });
  });

  it('validates filters and is for admins only', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const reversed = await admin.get('/audit-logs?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(reversed.statusCode).toBe(400);
    expect(errorOf(reversed).details).toEqual([{ field: 'querystring.from', message: 'must be before to' }]);
    expect((await admin.get('/audit-logs?actorId=nobody')).statusCode).toBe(400);
    expect((await admin.get('/audit-logs?limit=1000')).statusCode).toBe(400);
    expect((await as(h.app, f.tokens.agent).get('/audit-logs')).statusCode).toBe(403);
    expect((await as(h.app, f.tokens.customer).get('/audit-logs')).statusCode).toBe(403);
  });

  it('never shows another organisation’s entries', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const theirs = (await as(h.app, other.tokens.admin).post('/tokens', { name: 'theirs' })).json();
    const mine = await as(h.app, f.tokens.admin).get(`/audit-logs?targetId=${theirs.id}`);
    expect(mine.json().data).toEqual([]);
    expect((await as(h.app, f.tokens.admin).get('/audit-logs')).json().pagination.total).toBe(0);
    // A failed write (another organisation's id) records nothing either.
    expect((await as(h.app, f.tokens.admin).delete(`/tokens/${theirs.id}`)).statusCode).toBe(404);
    expect((await as(h.app, f.tokens.admin).get('/audit-logs')).json().pagination.total).toBe(0);
    expect((await as(h.app, other.tokens.admin).get('/audit-logs')).json().pagination.total).toBe(1);
  });
});
