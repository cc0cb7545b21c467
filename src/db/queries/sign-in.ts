import { and, desc, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import { STAFF_ROLES } from '../../domain/vocabulary.js';
import type { Database, Queryable } from '../client.js';
import {
  accounts,
  apiTokens,
  organizations,
  type Session,
  sessions,
  type UserRole,
  userOrganizations,
  users,
  type VerificationPurpose,
  verifications,
} from '../schema/index.js';

// The person's side of the house: accounts, sessions and emailed links. Everything here runs on the
// owner connection (these tables are revoked from app_user), and never takes an organisation's word
// for who a person is.

export const normalEmail = (email: string) => email.trim().toLowerCase();

export async function findUserByEmail(db: Queryable, email: string) {
  const [user] = await db
    .select()
    .from(users)
    .where(eq(users.email, normalEmail(email)));
  return user;
}

export async function findUser(db: Queryable, userId: string) {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  return user;
}

/** A new account of the person's own making (sign-up, accepted invitation, provider sign-in). */
export async function createAccount(
  db: Queryable,
  input: { email: string; name: string; passwordHash?: string | null; emailVerified?: boolean },
) {
  const verifiedAt = input.emailVerified ? new Date() : null;
  const [user] = await db
    .insert(users)
    .values({
      email: normalEmail(input.email),
      name: input.name.trim(),
      passwordHash: input.passwordHash ?? null,
      emailVerified: Boolean(verifiedAt),
      emailVerifiedAt: verifiedAt,
    })
    .onConflictDoNothing({ target: users.email })
    .returning();
  return user;
}

export async function setPasswordHash(db: Queryable, userId: string, passwordHash: string) {
  await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
}

/** The person proved they read mail at the account's address. */
export async function markEmailVerified(db: Queryable, userId: string) {
  await db
    .update(users)
    .set({ emailVerified: true, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
    .where(eq(users.id, userId));
}

export async function recordSignIn(db: Queryable, userId: string) {
  await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, userId));
}

export interface StaffMembership {
  id: string;
  name: string;
  role: Exclude<UserRole, 'customer'>;
  /** The organisation asks its staff for a second factor. */
  requiresTwoFactor: boolean;
}

/** The active organisations where the person is agent, admin or owner. */
/**
 * The person's role in the organisation, whether it is active (else undefined), whether it asks for a
 * second factor and whether the person has one: what a session needs to act for the organisation.
 */
export async function staffAccessOf(db: Queryable, userId: string, organizationId: string) {
  const [found] = await db
    .select({
      role: userOrganizations.role,
      requiresTwoFactor: sql<boolean>`coalesce((${organizations.settings}->>'requireTwoFactor')::boolean, false)`,
      hasTwoFactor: sql<boolean>`${users.twoFactorEnabledAt} is not null`,
    })
    .from(userOrganizations)
    .innerJoin(
      organizations,
      and(eq(organizations.id, userOrganizations.organizationId), eq(organizations.isActive, true)),
    )
    .innerJoin(users, eq(users.id, userOrganizations.userId))
    .where(and(eq(userOrganizations.userId, userId), eq(userOrganizations.organizationId, organizationId)));
  return found;
}

export async function staffMemberships(db: Queryable, userId: string): Promise<StaffMembership[]> {
  const rows = await db
    .select({
      id: organizations.id,
      name: organizations.name,
      role: userOrganizations.role,
      requiresTwoFactor: sql<boolean>`coalesce((${organizations.settings}->>'requireTwoFactor')::boolean, false)`,
    })
    .from(userOrganizations)
    .innerJoin(organizations, eq(organizations.id, userOrganizations.organizationId))
    .where(
      and(
        eq(userOrganizations.userId, userId),
        inArray(userOrganizations.role, STAFF_ROLES),
        eq(organizations.isActive, true),
      ),
    )
    .orderBy(organizations.name, organizations.id);
  return rows.flatMap((m) => (m.role === 'customer' ? [] : [{ ...m, role: m.role }]));
}

// ── Sessions ────────────────────────────────────────────────────────────────────────────────────

export async function insertSession(
  db: Queryable,
  input: {
    userId: string;
    tokenHash: string;
    csrfToken: string;
    organizationId: string | null;
    secondFactorPending: string | null;
    ipAddress: string | null;
    userAgent: string | null;
    expiresAt: Date;
  },
) {
  const [row] = await db.insert(sessions).values(input).returning();
  return row!;
}

/** The live session with this secret's hash, its user's state, or undefined. */
export async function findLiveSession(db: Database, tokenHash: string, idleSince: Date) {
  const [row] = await db
    .select({ session: sessions, userActive: users.isActive })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.tokenHash, tokenHash),
        gt(sessions.expiresAt, sql`now()`),
        gt(sessions.lastSeenAt, idleSince),
      ),
    );
  return row?.userActive ? row.session : undefined;
}

export async function touchSession(db: Queryable, sessionId: string) {
  await db.update(sessions).set({ lastSeenAt: new Date() }).where(eq(sessions.id, sessionId));
}

export async function updateSession(
  db: Queryable,
  sessionId: string,
  changes: Partial<Pick<Session, 'organizationId' | 'secondFactorPending'>>,
) {
  const [row] = await db.update(sessions).set(changes).where(eq(sessions.id, sessionId)).returning();
  return row;
}

export function listSessions(db: Queryable, userId: string) {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, sql`now()`)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.id));
}

/** Ends one of the person's sessions; false when they have none with that id. */
export async function deleteSession(db: Queryable, userId: string, sessionId: string) {
  const deleted = await db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.id, sessionId)))
    .returning({ id: sessions.id });
  return deleted.length > 0;
}

/** Ends every session of the person, or every one but `keep`. */
export async function deleteSessions(db: Queryable, userId: string, keep?: string) {
  await db.delete(sessions).where(and(eq(sessions.userId, userId), keep ? ne(sessions.id, keep) : undefined));
}

/**
 * After a password reset or change: every way in that the old password opened closes — sessions and
 * the tokens the person got by signing in. Tokens an admin issued for integrations stay theirs.
 */
export async function endSignIns(db: Queryable, userId: string, keepSession?: string) {
  await deleteSessions(db, userId, keepSession);
  await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.userId, userId), eq(apiTokens.createdById, userId), isNull(apiTokens.revokedAt)));
}

// ── Emailed links ───────────────────────────────────────────────────────────────────────────────

export async function insertVerification(
  db: Queryable,
  input: {
    purpose: VerificationPurpose;
    userId: string | null;
    identifier: string;
    tokenHash: string;
    value?: string | null;
    expiresAt: Date;
  },
) {
  const [row] = await db.insert(verifications).values(input).returning();
  return row!;
}

/**
 * Uses a link once: marks it used and returns it, or undefined when it is unknown, of another
 * purpose, used or expired. One statement, so two concurrent clicks cannot both succeed.
 */
export async function consumeVerification(db: Queryable, purpose: VerificationPurpose, tokenHash: string) {
  const [row] = await db
    .update(verifications)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(verifications.tokenHash, tokenHash),
        eq(verifications.purpose, purpose),
        isNull(verifications.usedAt),
        gt(verifications.expiresAt, sql`now()`),
      ),
    )
    .returning();
  return row;
}

/** Why a link could not be used: never seen (or of another purpose), already used, or expired. */
export async function verificationState(db: Queryable, purpose: VerificationPurpose, tokenHash: string) {
  const [row] = await db
    .select({ usedAt: verifications.usedAt })
    .from(verifications)
    .where(and(eq(verifications.tokenHash, tokenHash), eq(verifications.purpose, purpose)));
  if (!row) return 'unknown' as const;
  return row.usedAt ? ('used' as const) : ('expired' as const);
}

/** Older open links of the same purpose stop working when a new one is sent. */
export async function retireVerifications(db: Queryable, userId: string, purpose: VerificationPurpose) {
  await db
    .update(verifications)
    .set({ usedAt: new Date() })
    .where(
      and(eq(verifications.userId, userId), eq(verifications.purpose, purpose), isNull(verifications.usedAt)),
    );
}

export async function changeEmail(db: Queryable, userId: string, email: string) {
  const [row] = await db
    .update(users)
    .set({
      email: normalEmail(email),
      emailVerified: true,
      emailVerifiedAt: new Date(),
      updatedAt: new Date(),
    })
    .where(eq(users.id, userId))
    .returning();
  return row;
}

// ── Provider identities ─────────────────────────────────────────────────────────────────────────

export async function findLinkedAccount(db: Queryable, provider: string, providerAccountId: string) {
  const [row] = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.provider, provider), eq(accounts.providerAccountId, providerAccountId)));
  return row;
}

export async function linkAccount(
  db: Queryable,
  input: { userId: string; provider: 'google' | 'github'; providerAccountId: string; email: string },
) {
  await db.insert(accounts).values(input).onConflictDoNothing();
  const column =
    input.provider === 'google'
      ? { googleId: input.providerAccountId }
      : { githubId: input.providerAccountId };
  await db
    .update(users)
    .set({ ...column, updatedAt: new Date() })
    .where(eq(users.id, input.userId));
}

export async function linkedProviders(db: Queryable, userId: string) {
  const rows = await db
    .select({ provider: accounts.provider })
    .from(accounts)
    .where(eq(accounts.userId, userId));
  return rows.map((row) => row.provider).sort();
}

/** The person's own name, which only they change. */
export async function setOwnName(db: Queryable, userId: string, name: string) {
  const [row] = await db
    .update(users)
    .set({ name: name.trim(), updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  return row!;
}

// ── Second factor ───────────────────────────────────────────────────────────────────────────────

/** A new, not yet confirmed TOTP secret (two-factor stays off until a code from it is confirmed). */
export async function setPendingTwoFactor(db: Queryable, userId: string, secret: string) {
  await db
    .update(users)
    .set({
      twoFactorSecret: secret,
      twoFactorEnabledAt: null,
      twoFactorLastStep: null,
      recoveryCodeHashes: null,
    })
    .where(eq(users.id, userId));
}

export async function enableTwoFactor(
  db: Queryable,
  userId: string,
  step: number,
  recoveryCodeHashes: string[],
) {
  await db
    .update(users)
    .set({
      twoFactorEnabledAt: new Date(),
      twoFactorLastStep: step,
      recoveryCodeHashes,
      updatedAt: new Date(),
    })
    .where(eq(users.id, userId));
}

export async function disableTwoFactor(db: Queryable, userId: string) {
  await db
    .update(users)
    .set({
      twoFactorSecret: null,
      twoFactorEnabledAt: null,
      twoFactorLastStep: null,
      recoveryCodeHashes: null,
    })
    .where(eq(users.id, userId));
}

/** Records a TOTP step as used; false when it (or a later one) was used already: a replayed code. */
export async function useTotpStep(db: Queryable, userId: string, step: number) {
  const rows = await db
    .update(users)
    .set({ twoFactorLastStep: step })
    .where(
      and(
        eq(users.id, userId),
        sql`(${users.twoFactorLastStep} is null or ${users.twoFactorLastStep} < ${step})`,
      ),
    )
    .returning({ id: users.id });
  return rows.length > 0;
}

/** Replaces the recovery codes left, unless another request used one meanwhile (then false). */
export async function useRecoveryCode(db: Queryable, userId: string, before: string[], after: string[]) {
  const rows = await db
    .update(users)
    .set({ recoveryCodeHashes: after })
    .where(and(eq(users.id, userId), sql`${users.recoveryCodeHashes} = ${sql.param(before)}::text[]`))
    .returning({ id: users.id });
  return rows.length > 0;
}
