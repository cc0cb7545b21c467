import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashApiToken } from '../../src/api/auth/tokens.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import {
  apiTokens,
  organizations,
  slaPolicies,
  userOrganizations,
  users,
} from '../../src/db/schema/index.js';
import { openTestDatabase } from '../support/db.js';

const run = promisify(execFile);
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

    const email = `Boss-${randomUUID().slice(0, 6)}@Cli.test`;
    const { stdout } = await cli(
      'create-admin',
      '--org',
      slug,
      '--email',
      email,
      '--password',
      'correct horse',
    );
    const token = stdout.match(/API token \(shown once\): (\S+)/)![1]!;
    const [stored] = await db.adminDb
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.tokenHash, hashApiToken(token)));
    expect(stored!.organizationId).toBe(org!.id);
    const [user] = await db.adminDb.select().from(users).where(eq(users.email, email.toLowerCase()));
    expect(user!.passwordHash).toMatch(/\S/);
    expect(user!.passwordHash).not.toContain('correct horse');
    const [membership] = await db.adminDb
      .select()
      .from(userOrganizations)
      .where(eq(userOrganizations.userId, user!.id));
    expect(membership!.role).toBe('owner');
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
});
