import { and, eq } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Queryable } from '../client.js';

type OwnedTable = PgTable & { organizationId: AnyPgColumn; id: AnyPgColumn };

/**
 * The row `id` of `organizationId` in a tenant-owned table: naming both, another organisation's id
 * finds nothing (and the API answers 404), also where row-level security is not in force.
 */
export function rowOfOrganization(
  table: { organizationId: AnyPgColumn; id: AnyPgColumn },
  organizationId: string,
  id: string,
) {
  return and(eq(table.organizationId, organizationId), eq(table.id, id));
}

/**
 * The row `id` of `organizationId` in `table`, or undefined; with `forUpdate`, locked until the
 * transaction ends (so a concurrent request waits for this one's checks and write).
 */
export async function findRowOfOrganization<T extends OwnedTable>(
  db: Queryable,
  table: T,
  organizationId: string,
  id: string,
  { forUpdate = false } = {},
): Promise<T['$inferSelect'] | undefined> {
  const query = db
    .select()
    .from(table as PgTable)
    .where(rowOfOrganization(table, organizationId, id));
  const [row] = forUpdate ? await query.for('update') : await query;
  return row as T['$inferSelect'] | undefined;
}

/** Deletes the row `id` of `organizationId` from `table`; the row deleted, or undefined. */
export async function deleteRowOfOrganization<T extends OwnedTable>(
  db: Queryable,
  table: T,
  organizationId: string,
  id: string,
): Promise<T['$inferSelect'] | undefined> {
  const [row] = await db
    .delete(table as PgTable)
    .where(rowOfOrganization(table, organizationId, id))
    .returning();
  return row as T['$inferSelect'] | undefined;
}

/** Applies `changes` to the row `id` of `organizationId` (stamping `updatedAt`); the row after, or undefined. */
export async function updateRowOfOrganization<T extends OwnedTable & { updatedAt: AnyPgColumn }>(
  db: Queryable,
  table: T,
  organizationId: string,
  id: string,
  changes: Partial<T['$inferInsert']>,
): Promise<T['$inferSelect'] | undefined> {
  const [row] = await db
    .update(table as PgTable)
    .set({ ...changes, updatedAt: new Date() } as never)
    .where(rowOfOrganization(table, organizationId, id))
    .returning();
  return row as T['$inferSelect'] | undefined;
}
