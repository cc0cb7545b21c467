import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Database, Queryable } from '../client.js';
import { apiTokens, organizations, userOrganizations, users } from '../schema/index.js';
import { findRowOfOrganization, rowOfOrganization } from './scope.js';

/** The organisation's API tokens, newest first (the rows hold only the secrets' hashes). */
export function listApiTokens(db: Queryable, organizationId: string) {
  return db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.organizationId, organizationId))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

/** One of the organisation's API tokens, or undefined. */
export const findApiToken = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, apiTokens, organizationId, id);

/** Stores a new token by its hash; the row. */
export async function insertApiToken(db: Queryable, token: typeof apiTokens.$inferInsert) {
  const [row] = await db.insert(apiTokens).values(token).returning();
  return row!;
}

/** Revokes the token; the row revoked, or undefined when it is not the organisation's or was already revoked. */
export async function revokeApiToken(db: Queryable, organizationId: string, id: string) {
  const [revoked] = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(rowOfOrganization(apiTokens, organizationId, id), isNull(apiTokens.revokedAt)))
    .returning();
  return revoked;
}

/** Revokes every token of the organisation that acts as `userId`. */
export async function revokeApiTokensOf(db: Queryable, organizationId: string, userId: string) {
  await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiTokens.organizationId, organizationId),
        eq(apiTokens.userId, userId),
        isNull(apiTokens.revokedAt),
      ),
    );
}

/**
 * The bearer token lookup, built once and prepared: one statement (one round trip, no SQL building per
 * request) reads the token, its user, membership and organisation.
 */
export function prepareTokenLookup(admin: Database) {
  return (
    admin
      .select({
        tokenId: apiTokens.id,
        organizationId: apiTokens.organizationId,
        userId: apiTokens.userId,
        createdById: apiTokens.createdById,
        lastUsedAt: apiTokens.lastUsedAt,
        // The role is read at each request, so a demotion or removal takes effect at once.
        role: userOrganizations.role,
      })
      .from(apiTokens)
      .innerJoin(users, and(eq(users.id, apiTokens.userId), eq(users.isActive, true)))
      // A deactivated organisation refuses every token at once.
      .innerJoin(
        organizations,
        and(eq(organizations.id, apiTokens.organizationId), eq(organizations.isActive, true)),
      )
      .innerJoin(
        userOrganizations,
        and(
          eq(userOrganizations.userId, apiTokens.userId),
          eq(userOrganizations.organizationId, apiTokens.organizationId),
        ),
      )
      .where(
        and(
          eq(apiTokens.tokenHash, sql.placeholder('tokenHash')),
          sql`${apiTokens.revokedAt} is null`,
          sql`(${apiTokens.expiresAt} is null or ${apiTokens.expiresAt} > now())`,
        ),
      )
      .prepare('authenticate_token')
  );
}

/** Records when the token was last used. */
export async function markApiTokenUsed(db: Queryable, tokenId: string, at: Date) {
  await db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, tokenId));
}
