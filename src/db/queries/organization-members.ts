import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { type UserRole, userOrganizations, users } from '../schema/index.js';

const memberColumns = {
  userId: users.id,
  email: users.email,
  // The organisation's own name for the person, never the account's.
  name: userOrganizations.displayName,
  isActive: users.isActive,
  role: userOrganizations.role,
  joinedAt: userOrganizations.joinedAt,
};

function selectMembers(db: Queryable, organizationId: string, condition?: SQL) {
  return db
    .select(memberColumns)
    .from(userOrganizations)
    .innerJoin(users, eq(users.id, userOrganizations.userId))
    .where(and(eq(userOrganizations.organizationId, organizationId), condition));
}

/** A member of the organisation with their account, or undefined when the user does not belong to it. */
export async function findMember(db: Queryable, organizationId: string, userId: string) {
  const [member] = await selectMembers(db, organizationId, eq(userOrganizations.userId, userId));
  return member;
}

/** The organisation's members, optionally of one role, by name. */
export function listMembers(db: Queryable, organizationId: string, role?: UserRole) {
  return selectMembers(db, organizationId, role ? eq(userOrganizations.role, role) : undefined).orderBy(
    asc(userOrganizations.displayName),
    asc(users.id),
  );
}

/** Tickets go to the organisation's active agents, admins and owners, never to customers or outsiders. */
export async function isAssignable(db: Queryable, organizationId: string, userId: string): Promise<boolean> {
  const member = await findMember(db, organizationId, userId);
  return Boolean(member?.isActive && member.role !== 'customer');
}

export type Member = NonNullable<Awaited<ReturnType<typeof findMember>>>;
