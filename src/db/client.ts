import { fileURLToPath } from 'node:url';
import { type ExtractTablesWithRelations, type Logger, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { PostgresJsSession, PostgresJsTransaction } from 'drizzle-orm/postgres-js/session';
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
  /**
   * The SHA-256 of the bearer token the caller's principal came from, when it came from the API's cache:
   * the context statement checks the token again (migration 0023), and the transaction fails with
   * `CredentialRefusedError` before running anything if it no longer grants staff access.
   */
  apiTokenHash?: string;
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

/** The bearer token checked in the tenant context no longer grants access (revoked, expired, removed…). */
export class CredentialRefusedError extends Error {
  override name = 'CredentialRefusedError';
}

// invalid_authorization_specification, raised by check_api_token.
const CREDENTIAL_REFUSED = '28000';

function checkTenant(ctx: TenantContext) {
  // A malformed id would make every policy's uuid cast fail; refuse it before touching the database.
  if (!UUID.test(ctx.organizationId)) throw new InvalidTenantError('organizationId must be a uuid');
  if (ctx.userId != null && !UUID.test(ctx.userId)) throw new InvalidTenantError('userId must be a uuid');
  if (ctx.apiTokenHash !== undefined && ctx.userId == null)
    throw new InvalidTenantError('a token is checked for its user');
}

// One statement sets the whole context. set_config(..., true) is SET LOCAL: it dies with the
// transaction, never leaking to the next request that borrows this pooled connection.
const TENANT_CONTEXT_SQL =
  "select set_config('app.current_org_id', $1, true), set_config('app.current_user_id', $2, true), set_config('role', 'app_user', true)";
// The same, checking a cached bearer token first (while still the owner: api_tokens is not app_user's).
const TENANT_CONTEXT_WITH_TOKEN_SQL =
  "select check_api_token($3, $1::text::uuid, $2::text::uuid), set_config('app.current_org_id', $1, true), set_config('app.current_user_id', $2, true), set_config('role', 'app_user', true)";

/** Prepares every statement: PostgreSQL parses and plans it once per connection, and postgres.js no
 * longer describes it before each execution, so statements of one transaction pipeline. */
class PreparingSession extends PostgresJsSession<postgres.Sql, Schema, never> {
  override prepareQuery: PostgresJsSession<postgres.Sql, Schema, never>['prepareQuery'] = (
    query,
    fields,
    name,
    ...rest
  ) => super.prepareQuery(query, fields, name ?? 'prepared', ...rest); // drizzle only checks for a name
}

/**
 * PostgreSQL: the context statement goes out together with the first statements of `fn` (postgres.js
 * pipelines them on the transaction's connection), so a read costs three round trips: `begin`, that
 * batch, `commit`. Should the context fail, PostgreSQL refuses everything after it in the transaction,
 * and postgres.js reports the context's error. (Sending `begin` in the same batch would save one more, but
 * needs a reserved connection outside postgres.js's own transaction handling; the crash run failed once
 * with that and passes with this.)
 */
function pipelinedTenantRunner(client: postgres.Sql, db: Database): WithTenant {
  const { dialect, _: relational } = db as unknown as {
    dialect: ConstructorParameters<typeof PostgresJsSession>[1];
    _: { schema: unknown; fullSchema: unknown; tableNamesMap: unknown; session: { options: object } };
  };
  const schemaConfig = {
    schema: relational.schema,
    fullSchema: relational.fullSchema,
    tableNamesMap: relational.tableNamesMap,
  } as ConstructorParameters<typeof PostgresJsSession>[2];
  const options = relational.session.options;
  return async <T>(ctx: TenantContext, fn: (tx: Tx) => Promise<T>): Promise<T> => {
    checkTenant(ctx);
    const [statement, parameters] =
      ctx.apiTokenHash === undefined
        ? [TENANT_CONTEXT_SQL, [ctx.organizationId, ctx.userId ?? '']]
        : [TENANT_CONTEXT_WITH_TOKEN_SQL, [ctx.organizationId, ctx.userId!, ctx.apiTokenHash]];
    const run = client.begin(async (transaction) => {
      const context = transaction.unsafe(statement, parameters, { prepare: true });
      // Sends it now, ahead of fn's statements; a failure is reported by begin once fn has settled.
      context.catch(() => {});
      const session = new PreparingSession(transaction as never, dialect, schemaConfig as never, options);
      const tx = new PostgresJsTransaction(dialect, session as never, schemaConfig as never) as unknown as Tx;
      // Once the context fails, fn's statements fail as "transaction aborted" (wrapped by drizzle, so
      // postgres.js cannot tell): report the context's own error instead.
      const result = await fn(tx).catch(async (error) => {
        await context;
        throw error;
      });
      await context;
      return result;
    }) as Promise<T>;
    return run.catch((error) => {
      if ((error as { code?: string }).code === CREDENTIAL_REFUSED)
        throw new CredentialRefusedError(error.message);
      throw error;
    });
  };
}

/**
 * Runs a hand-written statement, prepared, on a transaction or the database; rows come back as arrays in
 * the select list's order. For hot reads whose SQL costs more to build with drizzle than to run.
 * Parameters are strings, numbers, booleans or null (dates as ISO strings: drizzle's client passes
 * timestamps through as text both ways).
 */
export function runStatement(db: Queryable, text: string, params: (string | number | boolean | null)[]) {
  const { session } = db as unknown as { session: { client: postgres.Sql; logger: Logger } };
  session.logger.logQuery(text, params);
  return session.client.unsafe<unknown[][]>(text, params, { prepare: true }).values();
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

function handle(
  db: Database,
  withTenant: WithTenant,
  migrate: () => Promise<void>,
  close: () => Promise<void>,
): DatabaseHandle {
  return { adminDb: db, withTenant, asServiceRole: serviceRunner(db), migrate, close };
}

function openPostgres(url: string, poolSize: number, logger?: Logger): DatabaseHandle {
  const client = postgres(url, { max: poolSize, idle_timeout: 20, connect_timeout: 10, onnotice: () => {} });
  const db = drizzlePostgres(client, { schema, logger }) as unknown as Database;
  return handle(
    db,
    pipelinedTenantRunner(client, db),
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
