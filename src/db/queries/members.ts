import { and, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { type UserRole, userOrganizations, users } from '../schema/index.js';

export interface MemberInput {
  email: string;
  name?: string | null;
  /** Role for a new membership; an existing membership keeps its role (a customer never demotes an agent). */
  role: UserRole;
}

/**
 * The user with this email (created when new, as users are global) and their membership of the
 * organisation (created when missing). Safe to call concurrently for the same address.
 */
export async function ensureMember(db: Queryable, organizationId: string, input: MemberInput) {
  const email = input.email.trim().toLowerCase();
  const name = input.name?.trim() || email.split('@')[0] || email;
  await db.insert(users).values({ email, name }).onConflictDoNothing({ target: users.email });
  const [user] = await db.select().from(users).where(eq(users.email, email));
  await db
    .insert(userOrganizations)
    .values({ userId: user!.id, organizationId, role: input.role })
    .onConflictDoNothing({ target: [userOrganizations.userId, userOrganizations.organizationId] });
  const [membership] = await db
    .select({ role: userOrganizations.role })
    .from(userOrganizations)
    .where(and(eq(userOrganizations.userId, user!.id), eq(userOrganizations.organizationId, organizationId)));
  return { user: user!, role: membership!.role };
}

/** Raises (never lowers) a member's role, e.g. a customer who becomes an agent. */
export async function promoteMember(db: Queryable, organizationId: string, userId: string, role: UserRole) {
  const rank = sql`array_position(array['customer','agent','admin','owner']::user_role[], ${userOrganizations.role})`;
  const target = sql`array_position(array['customer','agent','admin','owner']::user_role[], ${role}::user_role)`;
  await db
    .update(userOrganizations)
    .set({ role })
    .where(
      and(
        eq(userOrganizations.userId, userId),
        eq(userOrganizations.organizationId, organizationId),
        sql`${rank} < ${target}`,
      ),
    );
}
