import { and, eq, or } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { savedFilters } from '../schema/index.js';

/** The filters a user may see: their own and the organisation's shared ones. */
export const visibleTo = (organizationId: string, userId: string) =>
  and(
    eq(savedFilters.organizationId, organizationId),
    or(eq(savedFilters.userId, userId), eq(savedFilters.shared, true)),
  );

/** A saved filter the user may apply, or undefined (missing, another organisation's, or private to someone else). */
export async function findVisibleSavedFilter(
  db: Queryable,
  organizationId: string,
  userId: string,
  id: string,
) {
  const [found] = await db
    .select()
    .from(savedFilters)
    .where(and(eq(savedFilters.id, id), visibleTo(organizationId, userId)));
  return found;
}
