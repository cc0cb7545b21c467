import { sql } from 'drizzle-orm';
import { pgPolicy, pgRole } from 'drizzle-orm/pg-core';

// Both roles are created (with BYPASSRLS for service_role, which drizzle's pgRole cannot express)
// by the hand-written migration 0000_roles.sql, so drizzle-kit treats them as existing.
/** Request work: every query runs `SET LOCAL ROLE app_user` and is filtered by the policies below. */
export const appUser = pgRole('app_user').existing();
/** Background work that must see every organisation (BYPASSRLS). */
export const serviceRole = pgRole('service_role').existing();

export const currentOrgId = sql`nullif(current_setting('app.current_org_id', true), '')::uuid`;
export const currentUserId = sql`nullif(current_setting('app.current_user_id', true), '')::uuid`;

/** select/insert/update/delete limited to rows whose `organization_id` is the transaction's organisation. */
export function createTenantPolicies(tableName: string) {
  const own = sql`organization_id = ${currentOrgId}`;
  return [
    pgPolicy(`${tableName}_tenant_select`, { for: 'select', to: appUser, using: own }),
    pgPolicy(`${tableName}_tenant_insert`, { for: 'insert', to: appUser, withCheck: own }),
    pgPolicy(`${tableName}_tenant_update`, { for: 'update', to: appUser, using: own, withCheck: own }),
    pgPolicy(`${tableName}_tenant_delete`, { for: 'delete', to: appUser, using: own }),
  ];
}

/** The same four policies for tables that belong to a ticket: visible when their ticket is. */
export function createTicketChildPolicies(tableName: string) {
  // A correlated EXISTS is one primary-key lookup per row; `ticket_id in (select id from tickets …)` was
  // planned as a hash of every ticket of the organisation, built for each query (~400 ms at 100k tickets).
  const viaTicket = sql`exists (select 1 from tickets t where t.id = ticket_id and t.organization_id = ${currentOrgId})`;
  return [
    pgPolicy(`${tableName}_tenant_select`, { for: 'select', to: appUser, using: viaTicket }),
    pgPolicy(`${tableName}_tenant_insert`, { for: 'insert', to: appUser, withCheck: viaTicket }),
    pgPolicy(`${tableName}_tenant_update`, {
      for: 'update',
      to: appUser,
      using: viaTicket,
      withCheck: viaTicket,
    }),
    pgPolicy(`${tableName}_tenant_delete`, { for: 'delete', to: appUser, using: viaTicket }),
  ];
}
