import { fileURLToPath } from 'node:url';
import { type ExtractTablesWithRelations, type Logger, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything queries can run on: the admin database or a tenant transaction. */
export type Queryable = Database | Tx;

export interface TenantContext {
  organizationId: string;
  userId?: string | null;
}

export type WithTenant = <T>(ctx: TenantContext, fn: (tx: Tx) => Promise<T>) => Promise<T>;

export interface DatabaseHandle {
  /** Owner connection: migrations and background work across organisations (RLS does not apply). */
  adminDb: Database;
  /** Runs `fn` in one transaction as `app_user`, scoped by RLS to one organisation. */
  withTenant: WithTenant;
  /** Runs `fn` in one transaction as `service_role` (BYPASSRLS), for audited cross-tenant jobs. */
  asServiceRole: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL (`npm start`'s embedded server included: src/db/embedded-postgres.ts). */
  url: string;
  poolSize?: number;
  /** Receives every SQL statement (debug logging, tests that inspect query plans). */
  logger?: Logger;
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));
// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 7_212_023_551;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class InvalidTenantError extends Error {
  override name = 'InvalidTenantError';
}

function tenantRunner(db: Database): WithTenant {
  return async (ctx, fn) => {
    // A malformed id would make every policy's uuid cast fail; refuse it before touching the database.
    if (!UUID.test(ctx.organizationId)) throw new InvalidTenantError('organizationId must be a uuid');
    if (ctx.userId != null && !UUID.test(ctx.userId)) throw new InvalidTenantError('userId must be a uuid');
    return db.transaction(async (tx) => {
      // set_config(..., true) is SET LOCAL: the context dies with the transaction, never leaking
      // to the next request that borrows this pooled connection.
      await tx.execute(
        sql`select set_config('app.current_org_id', ${ctx.organizationId}, true), set_config('app.current_user_id', ${ctx.userId ?? ''}, true)`,
      );
      await tx.execute(sql`set local role app_user`);
      return fn(tx);
    });
  };
}

function serviceRunner(db: Database) {
  return <T>(fn: (tx: Tx) => Promise<T>) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`set local role service_role`);
      return fn(tx);
    });
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return openPostgres(options.url, options.poolSize ?? 10, options.logger);
}

function handle(db: Database, migrate: () => Promise<void>, close: () => Promise<void>): DatabaseHandle {
  return { adminDb: db, withTenant: tenantRunner(db), asServiceRole: serviceRunner(db), migrate, close };
}

function openPostgres(url: string, poolSize: number, logger?: Logger): DatabaseHandle {
  const client = postgres(url, { max: poolSize, idle_timeout: 20, connect_timeout: 10, onnotice: () => {} });
  const db = drizzlePostgres(client, { schema, logger }) as unknown as Database;
  return handle(
    db,
    async () => {
      // One connection holds an advisory lock so processes starting together migrate one at a time.
      const single = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(drizzlePostgres(single), { migrationsFolder });
        await single`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      } finally {
        await single.end();
      }
    },
    () => client.end({ timeout: 5 }),
  );
}
