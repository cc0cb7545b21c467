import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { type AnyPgColumn, alias } from 'drizzle-orm/pg-core';
import type { Queryable } from '../client.js';
import { type UserRole, userOrganizations, users } from '../schema/index.js';
import { addressName } from './members.js';

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

/** The member of the organisation whose account has this (normalised) address, or undefined. */
export async function findMemberByEmail(db: Queryable, organizationId: string, email: string) {
  const [member] = await selectMembers(db, organizationId, eq(users.email, email));
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

/**
 * How the organisation knows these people: its display name for each (never the account's own name)
 * and their address. People who are not members (yet) are named by their address.
 */
export async function peopleAsKnownBy(db: Queryable, organizationId: string, userIds: string[]) {
  const rows = userIds.length
    ? await db
        .select({ id: users.id, email: users.email, name: userOrganizations.displayName })
        .from(users)
        .leftJoin(
          userOrganizations,
          and(eq(userOrganizations.userId, users.id), eq(userOrganizations.organizationId, organizationId)),
        )
        .where(inArray(users.id, userIds))
    : [];
  return new Map(rows.map((p) => [p.id, { id: p.id, email: p.email, name: p.name ?? addressName(p.email) }]));
}

/** One person as the organisation knows them (see `peopleAsKnownBy`). */
export async function personAsKnownBy(db: Queryable, organizationId: string, userId: string) {
  return (await peopleAsKnownBy(db, organizationId, [userId])).get(userId);
}

/**
 * A person joined into a query as an organisation knows them: their account (id, address) and, by
 * `nameIn(organization)`, that organisation's display name for them, the only name it sees. The name is
 * a correlated lookup on the (user, organisation) unique index: one probe per row returned.
 */
export function knownPerson(as: string) {
  const user = alias(users, as);
  return {
    user,
    nameIn: (organizationId: AnyPgColumn | string) =>
      sql<string>`coalesce((select ${userOrganizations.displayName} from ${userOrganizations} where ${userOrganizations.userId} = ${user.id} and ${userOrganizations.organizationId} = ${organizationId}), split_part(${user.email}, '@', 1))`,
  };
}
