import { and, eq } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

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
