// Members of an organisation: who belongs to it and how it knows them (its own name for each person, never
// the account's), and the writes that add, promote, rename, re-role and remove them.
import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { type AnyPgColumn, alias } from 'drizzle-orm/pg-core';
import { USER_ROLES } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import { type UserRole, userOrganizations, users } from '../schema/index.js';
import { revokeApiTokensOf } from './api-tokens.js';
import { requirePlanRoom } from './subscriptions.js';

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

export interface MemberInput {
  email: string;
  /** What this organisation calls the person (kept on the membership, never on the account). */
  name?: string | null;
  /** Role for a new membership; an existing membership keeps its role (a customer never demotes an agent). */
  role: UserRole;
}

async function membershipRole(db: Queryable, organizationId: string, userId: string) {
  const [membership] = await db
    .select({ role: userOrganizations.role })
    .from(userOrganizations)
    .where(and(eq(userOrganizations.userId, userId), eq(userOrganizations.organizationId, organizationId)));
  return membership?.role;
}

/** Agents, admins and owners each take one of the plan's seats (`agents` limit); customers are free. */
const takesSeat = (role: UserRole | undefined) => role !== undefined && role !== 'customer';

/** Refuses (PlanLimitError) when `role` would give the user a seat they do not have and none is left. */
async function requireSeatFor(db: Queryable, organizationId: string, userId: string, role: UserRole) {
  if (takesSeat(role) && !takesSeat(await membershipRole(db, organizationId, userId)))
    await requirePlanRoom(db, organizationId, 'agents');
}

/** The part of an address before the @: the name shown until someone chooses one. */
export const addressName = (email: string) => email.split('@')[0] || email;

/**
 * The user with this email (created when new, as users are global) and their membership of the
 * organisation (created when missing, with the organisation's display name for them; a new agent,
 * admin or owner needs a free seat of the plan, else PlanLimitError). An account created here is
 * named after its address: the organisation's name for the person stays the organisation's. Safe to
 * call concurrently for the same address.
 */
export async function ensureMember(db: Queryable, organizationId: string, input: MemberInput) {
  const email = input.email.trim().toLowerCase();
  await db
    .insert(users)
    .values({ email, name: addressName(email) })
    .onConflictDoNothing({ target: users.email });
  const [user] = await db.select().from(users).where(eq(users.email, email));
  const existing = await membershipRole(db, organizationId, user!.id);
  if (!existing) {
    if (takesSeat(input.role)) await requirePlanRoom(db, organizationId, 'agents');
    await db
      .insert(userOrganizations)
      .values({
        userId: user!.id,
        organizationId,
        role: input.role,
        displayName: input.name?.trim() || addressName(email),
      })
      .onConflictDoNothing({ target: [userOrganizations.userId, userOrganizations.organizationId] });
  }
  return { user: user!, role: (await membershipRole(db, organizationId, user!.id))!, created: !existing };
}

/** Raises (never lowers) a member's role, e.g. a customer who becomes an agent (needs a free seat). */
export async function promoteMember(db: Queryable, organizationId: string, userId: string, role: UserRole) {
  await requireSeatFor(db, organizationId, userId, role);
  // USER_ROLES ranks the roles: only a membership of a lower one changes.
  const lower = USER_ROLES.slice(0, USER_ROLES.indexOf(role));
  if (lower.length === 0) return;
  await db
    .update(userOrganizations)
    .set({ role })
    .where(
      and(
        eq(userOrganizations.userId, userId),
        eq(userOrganizations.organizationId, organizationId),
        inArray(userOrganizations.role, lower),
      ),
    );
}

/** What the organisation calls one of its members. */
export async function setDisplayName(
  db: Queryable,
  organizationId: string,
  userId: string,
  displayName: string,
) {
  await db
    .update(userOrganizations)
    .set({ displayName: displayName.trim() })
    .where(and(eq(userOrganizations.organizationId, organizationId), eq(userOrganizations.userId, userId)));
}

/** Sets a member's role, up or down; a customer who becomes an agent, admin or owner needs a free seat. */
export async function setMemberRole(db: Queryable, organizationId: string, userId: string, role: UserRole) {
  await requireSeatFor(db, organizationId, userId, role);
  await db
    .update(userOrganizations)
    .set({ role })
    .where(and(eq(userOrganizations.organizationId, organizationId), eq(userOrganizations.userId, userId)));
}

/**
 * Ends the user's membership of the organisation and revokes their API tokens for it: revoked rather
 * than left to fail, so re-adding the person later does not revive old tokens.
 */
export async function removeMember(db: Queryable, organizationId: string, userId: string) {
  await db
    .delete(userOrganizations)
    .where(and(eq(userOrganizations.organizationId, organizationId), eq(userOrganizations.userId, userId)));
  await revokeApiTokensOf(db, organizationId, userId);
}
