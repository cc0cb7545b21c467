import { and, asc, eq, or } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { savedFilters } from '../schema/index.js';
import { deleteRowOfOrganization, updateRowOfOrganization } from './scope.js';

type SavedFilterFields = Pick<typeof savedFilters.$inferInsert, 'name' | 'query' | 'shared'>;

/** The filters a user may see: their own and the organisation's shared ones. */
const visibleTo = (organizationId: string, userId: string) =>
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

/** The filters the user may see, by name. */
export function listVisibleSavedFilters(db: Queryable, organizationId: string, userId: string) {
  return db
    .select()
    .from(savedFilters)
    .where(visibleTo(organizationId, userId))
    .orderBy(asc(savedFilters.name), asc(savedFilters.id));
}

/** Saves a filter owned by the user; rejects with the unique violation when they have one of that name. */
export async function insertSavedFilter(
  db: Queryable,
  organizationId: string,
  userId: string,
  fields: SavedFilterFields,
) {
  const [row] = await db
    .insert(savedFilters)
    .values({ ...fields, organizationId, userId })
    .returning();
  return row!;
}

/** Changes the saved filter; the row after, or undefined when it is not the organisation's. */
export const updateSavedFilter = (
  db: Queryable,
  organizationId: string,
  id: string,
  changes: Partial<SavedFilterFields>,
) => updateRowOfOrganization(db, savedFilters, organizationId, id, changes);

/** Deletes the saved filter; the row deleted, or undefined. */
export const deleteSavedFilter = (db: Queryable, organizationId: string, id: string) =>
  deleteRowOfOrganization(db, savedFilters, organizationId, id);
