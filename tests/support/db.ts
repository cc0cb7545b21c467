import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { organizations, type UserRole, userOrganizations, users } from '../../src/db/schema/index.js';

export function openTestDatabase(poolSize = 5): Promise<DatabaseHandle> {
  return openDatabase({ url: inject('databaseUrl'), poolSize });
}

const unique = () => randomUUID().slice(0, 8);

export async function createUser(
  db: DatabaseHandle,
  name: string,
  email = `${name.toLowerCase().replace(/\W+/g, '.')}-${unique()}@example.test`,
) {
  // People in fixtures have confirmed their address, as anyone who signs in has.
  const [user] = await db.adminDb
    .insert(users)
    .values({ name, email, emailVerified: true, emailVerifiedAt: new Date() })
    .returning();
  return user!;
}

/** Makes the user a member of the organisation; the organisation calls them by their own name. */
export async function joinOrganization(
  db: DatabaseHandle,
  user: { id: string; name: string },
  organizationId: string,
  role: UserRole,
) {
  await db.adminDb
    .insert(userOrganizations)
    .values({ userId: user.id, organizationId, role, displayName: user.name });
}

/** A fresh organisation with an owner, an agent and a customer, so each test stands alone. */
export async function createOrganizationFixture(db: DatabaseHandle, name = 'Acme') {
  const slug = `${name.toLowerCase().replace(/\W+/g, '-')}-${unique()}`;
  const [org] = await db.adminDb.insert(organizations).values({ name, slug }).returning();
  const member = async (userName: string, role: UserRole) => {
    const user = await createUser(db, userName);
    await joinOrganization(db, user, org!.id, role);
    return user;
  };
  return {
    org: org!,
    owner: await member('Olivia Owner', 'owner'),
    agent: await member('Adam Agent', 'agent'),
    customer: await member('Carla Customer', 'customer'),
  };
}

export type OrganizationFixture = Awaited<ReturnType<typeof createOrganizationFixture>>;

/** The PostgreSQL error message behind a failed query (Drizzle wraps it as the cause). */
export async function databaseError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return cause?.message ?? String(error);
  }
  throw new Error('expected the query to fail');
}
