import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { hashApiToken } from '../../src/api/auth/tokens.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { getOrganizationPlan } from '../../src/db/queries/subscriptions.js';
import {
  apiTokens,
  auditLogs,
  mailboxes,
  organizationSubscriptions,
  organizations,
  slaPolicies,
  subscriptionPlans,
  userOrganizations,
  users,
} from '../../src/db/schema/index.js';
import { tokenFor } from '../support/api.js';
import { createUser, joinOrganization, openTestDatabase } from '../support/db.js';

const run = promisify(execFile);

/** The API for what these tests check of it (tokens, invitations): no ticket worker, storage or mail behind it. */
const accountsOnlyApp = (db: DatabaseHandle) =>
  buildApp({
    db,
    tickets: undefined as never,
    storage: undefined as never,
    surveyLinks: undefined as never,
    mailer: undefined as never,
    defaultFrom: 'support@cli.test',
  });
const cli = (...args: string[]) =>
  run('node', ['bin/insightdesk.mjs', ...args], {
    env: { ...process.env, DATABASE_URL: inject('databaseUrl') },
  });

describe('operator CLI', () => {
  let db: DatabaseHandle;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(() => db.close());

  it('creates an organisation with default SLA policies, an owner with a working token', async () => {
    const slug = `cli-${randomUUID().slice(0, 8)}`;
    await cli('create-org', '--name', 'Cli Co', '--slug', slug);
    const [org] = await db.adminDb.select().from(organizations).where(eq(organizations.slug, slug));
    const policies = await db.adminDb
      .select()
      .from(slaPolicies)
      .where(eq(slaPolicies.organizationId, org!.id));
    expect(policies.map((p) => [p.priority, p.firstResponseTime, p.resolutionTime]).sort()).toEqual([
      ['high', 240, 480],
      ['low', 1440, 4320],
      ['medium', 480, 1440],
      ['urgent', 60, 240],
    ]);

    // The owner is invited, never given an account or a password by the operator.
    const email = `Boss-${randomUUID().slice(0, 6)}@Cli.test`;
    const { stdout } = await cli('create-admin', '--org', slug, '--email', email);
    expect(stdout).toContain(`${email.toLowerCase()} as owner of ${slug}`);
    const invitation = stdout.match(/idi_[\w-]{43}/)![0];
    expect(await db.adminDb.select().from(users).where(eq(users.email, email.toLowerCase()))).toEqual([]);
    await expect(
      cli('create-admin', '--org', slug, '--email', email, '--password', 'x'),
    ).rejects.toMatchObject({
      code: 2,
    });

    const app = await accountsOnlyApp(db);
    const accepted = await app.inject({
      method: 'POST',
      url: '/invitations/accept',
      payload: { token: invitation, name: 'The Boss', password: 'correct horse battery' },
    });
    await app.close();
    expect(accepted.statusCode, accepted.body).toBe(201);
    const token = accepted.json().token;
    const [stored] = await db.adminDb
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.tokenHash, hashApiToken(token)));
    expect(stored!.organizationId).toBe(org!.id);
    const [user] = await db.adminDb.select().from(users).where(eq(users.email, email.toLowerCase()));
    expect(user!.passwordHash).not.toContain('correct horse');
    const [membership] = await db.adminDb
      .select()
      .from(userOrganizations)
      .where(eq(userOrganizations.userId, user!.id));
    expect(membership!.role).toBe('owner');
  });

  it('deactivates and activates an organisation: its tokens stop and start working', async () => {
    const slug = `off-${randomUUID().slice(0, 8)}`;
    await cli('create-org', '--name', 'Off Co', '--slug', slug);
    const [org] = await db.adminDb.select().from(organizations).where(eq(organizations.slug, slug));
    const f = { org: org! };
    const owner = await createUser(db, 'Off Owner');
    await joinOrganization(db, owner, org!.id, 'owner');
    const token = await tokenFor(db, f, owner);
    const app = await accountsOnlyApp(db);
    const me = () => app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
    try {
      expect((await me()).statusCode).toBe(200);
      expect((await cli('deactivate-org', slug)).stdout).toContain(`${slug} deactivated`);
      expect((await me()).statusCode).toBe(401);
      await cli('activate-org', slug);
      expect((await me()).statusCode).toBe(200);
    } finally {
      await app.close();
    }
    const actions = await db.adminDb
      .select({ action: auditLogs.action })
      .from(auditLogs)
      .where(eq(auditLogs.organizationId, org!.id));
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['organization.deactivated', 'organization.activated']),
    );
  });

  it('refuses unknown organisations and missing options with a clear message and exit code 2', async () => {
    await expect(cli('create-token', '--org', 'no-such-org', '--email', 'x@y.test')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no organisation with slug "no-such-org"'),
    });
    await expect(cli('create-org', '--name', 'Nameless')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--slug is required'),
    });
    await expect(cli('frobnicate')).rejects.toMatchObject({ code: 2 });
  });

  it('lists the plans and moves an organisation to another with an audit entry, warning below its usage', async () => {
    const { stdout: plans } = await cli('plans');
    expect(plans).toMatch(/^free\s+Free\s+agents 5, mailboxes 2, tickets per month 500, 0\.00 per month$/m);
    expect(plans).toMatch(/^business\s+Business\s+agents unlimited, mailboxes unlimited/m);

    const slug = `plan-${randomUUID().slice(0, 8)}`;
    await cli('create-org', '--name', 'Plan Co', '--slug', slug);
    const orgOf = async () =>
      (await db.adminDb.select().from(organizations).where(eq(organizations.slug, slug)))[0]!;
    const org = await orgOf();
    expect((await getOrganizationPlan(db.adminDb, org.id)).id).toBe('free');

    const { stdout } = await cli('set-plan', slug, 'team');
    expect(stdout).toContain(`${slug} moved from the Free plan to the Team plan`);
    expect((await orgOf()).plan).toBe('team');
    expect(await getOrganizationPlan(db.adminDb, org.id)).toMatchObject({ id: 'team', maxAgents: 25 });
    const [entry] = await db.adminDb
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.organizationId, org.id), eq(auditLogs.action, 'subscription.plan_changed')));
    expect(entry).toMatchObject({
      actorId: null,
      targetType: 'subscription',
      targetId: org.id,
      before: { planId: 'free', maxAgents: 5, maxMailboxes: 2, maxTicketsPerMonth: 500 },
      after: { planId: 'team', maxAgents: 25, maxMailboxes: 10, maxTicketsPerMonth: 10000 },
    });

    await db.adminDb
      .insert(mailboxes)
      .values(
        ['a', 'b'].map((box) => ({ organizationId: org.id, name: box, address: `${box}-${slug}@cli.test` })),
      );
    const tiny = `test-${randomUUID()}`;
    await db.adminDb.insert(subscriptionPlans).values({ id: tiny, name: 'Tiny', maxMailboxes: 1 });
    const downgrade = await cli('set-plan', slug, tiny);
    expect(downgrade.stderr).toContain(
      'warning: The Tiny plan allows 1 mailbox; this organisation already has 2',
    );
    expect((await orgOf()).plan).toBe(tiny);
  });

  it('refuses set-plan for an unknown organisation or plan with exit code 2, changing nothing', async () => {
    const slug = `plan-${randomUUID().slice(0, 8)}`;
    await cli('create-org', '--name', 'Steady Co', '--slug', slug);
    await expect(cli('set-plan', 'no-such-org', 'team')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no organisation with slug "no-such-org"'),
    });
    await expect(cli('set-plan', slug, 'platinum')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no plan "platinum" \(plans: .*free, .*team/),
    });
    await expect(cli('set-plan', slug)).rejects.toMatchObject({ code: 2 });
    const [org] = await db.adminDb.select().from(organizations).where(eq(organizations.slug, slug));
    const [subscription] = await db.adminDb
      .select()
      .from(organizationSubscriptions)
      .where(eq(organizationSubscriptions.organizationId, org!.id));
    expect([org!.plan, subscription!.planId]).toEqual(['free', 'free']);
  });
});
