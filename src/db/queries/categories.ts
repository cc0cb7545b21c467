import { and, asc, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { categories } from '../schema/index.js';
import { deleteRowOfOrganization, findRowOfOrganization, updateRowOfOrganization } from './scope.js';

type CategoryChanges = Partial<Pick<typeof categories.$inferInsert, 'name' | 'parentId'>>;

/** The organisation's categories, each parent followed by its children (or only `parentId`'s children). */
export function listCategories(db: Queryable, organizationId: string, parentId?: string) {
  return db
    .select()
    .from(categories)
    .where(
      and(
        eq(categories.organizationId, organizationId),
        parentId ? eq(categories.parentId, parentId) : undefined,
      ),
    )
    .orderBy(
      sql`coalesce((select p.name from categories p where p.id = ${categories.parentId}), ${categories.name})`,
      sql`${categories.parentId} is not null`,
      asc(categories.name),
      asc(categories.id),
    );
}

/** One of the organisation's categories, or undefined. */
export const findCategory = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, categories, organizationId, id);

/** The category, its row locked until the transaction ends, or undefined. */
export const lockCategory = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, categories, organizationId, id, { forUpdate: true });

/** Whether any category of the organisation sits under `id`. */
export async function hasSubcategories(db: Queryable, organizationId: string, id: string) {
  const [child] = await db
    .select({ id: categories.id })
    .from(categories)
    .where(and(eq(categories.organizationId, organizationId), eq(categories.parentId, id)))
    .limit(1);
  return Boolean(child);
}

/** Creates a category; rejects with the unique violation when the name is taken at that place. */
export async function insertCategory(
  db: Queryable,
  organizationId: string,
  name: string,
  parentId: string | null,
) {
  const [row] = await db.insert(categories).values({ organizationId, name, parentId }).returning();
  return row!;
}

/** Renames or moves the category; the row after, or undefined when it is not the organisation's. */
export const updateCategory = (db: Queryable, organizationId: string, id: string, changes: CategoryChanges) =>
  updateRowOfOrganization(db, categories, organizationId, id, changes);

/** Deletes the category (its tickets become uncategorised); the row deleted, or undefined. */
export const deleteCategory = (db: Queryable, organizationId: string, id: string) =>
  deleteRowOfOrganization(db, categories, organizationId, id);
