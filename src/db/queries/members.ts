import { and, eq, inArray } from 'drizzle-orm';
import { USER_ROLES } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import { type UserRole, userOrganizations, users } from '../schema/index.js';
import { revokeApiTokensOf } from './api-tokens.js';
import { requirePlanRoom } from './subscriptions.js';

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
