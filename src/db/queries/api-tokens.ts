import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { apiTokens } from '../schema/index.js';
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
