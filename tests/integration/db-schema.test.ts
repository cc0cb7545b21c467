import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { promisify } from 'node:util';
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import * as schema from '../../src/db/schema/index.js';
import { createMigratedDatabase, dropDatabase } from '../support/postgres.js';

const run = promisify(execFile);
const tables: PgTable[] = Object.values(schema).flatMap((v) => (is(v, PgTable) ? [v] : []));

describe('migrations', () => {
  const name = `insightdesk_schema_${process.pid}`;
  let url: string;
  let db: DatabaseHandle;

  beforeAll(async () => {
    url = await createMigratedDatabase(inject('databaseServerUrl'), name);
    db = await openDatabase({ url, poolSize: 2 });
  });
  afterAll(async () => {
    await db.close();
    await dropDatabase(inject('databaseServerUrl'), name);
  });

  it('apply to an empty database and a second run changes nothing', async () => {
    const sql = postgres(url, { max: 1 });
    const count = async () => (await sql`select count(*)::int as n from drizzle.__drizzle_migrations`)[0]!.n;
    const before = await count();
    expect(before).toBe(readdirSync('src/db/migrations').filter((f) => f.endsWith('.sql')).length);
    await db.migrate();
    expect(await count()).toBe(before);
    await sql.end();
  });

  it('create every table and column of the Drizzle schema, with RLS on tenant tables', async () => {
    const sql = postgres(url, { max: 1 });
    try {
      for (const table of tables) {
        const config = getTableConfig(table);
        const columns = await sql<{ column_name: string; is_nullable: string }[]>`
          select column_name, is_nullable from information_schema.columns
          where table_schema = 'public' and table_name = ${config.name}`;
        const actual = Object.fromEntries(columns.map((c) => [c.column_name, c.is_nullable === 'NO']));
        const expected = Object.fromEntries(config.columns.map((c) => [c.name, c.notNull]));
        expect(actual, config.name).toEqual(expected);
        const [rls] = await sql`select relrowsecurity from pg_class where relname = ${config.name}`;
        expect(rls!.relrowsecurity, `${config.name} row level security`).toBe(
          config.enableRLS || config.policies.length > 0,
        );
      }
    } finally {
      await sql.end();
    }
  });

  it('match the schema: drizzle-kit generate finds nothing new', async () => {
    // drizzle-kit only accepts an output folder relative to the project.
    mkdirSync('data/test', { recursive: true });
    const out = relative(process.cwd(), mkdtempSync('data/test/drift-'));
    cpSync('src/db/migrations', out, { recursive: true });
    const before = readdirSync(out).sort();
    const { stdout, stderr } = await run('npx', [
      'drizzle-kit',
      'generate',
      '--dialect=postgresql',
      '--schema=./src/db/schema/index.ts',
      `--out=${out}`,
    ]);
    expect(stdout + stderr).toContain('No schema changes');
    expect(readdirSync(out).sort()).toEqual(before);
    rmSync(out, { recursive: true });
  });

  it('create the runtime roles, service_role bypassing RLS', async () => {
    const sql = postgres(url, { max: 1 });
    const roles =
      await sql`select rolname, rolbypassrls, rolcanlogin from pg_roles where rolname in ('app_user','service_role') order by rolname`;
    await sql.end();
    expect(roles.map((r) => ({ ...r }))).toEqual([
      { rolname: 'app_user', rolbypassrls: false, rolcanlogin: false },
      { rolname: 'service_role', rolbypassrls: true, rolcanlogin: false },
    ]);
  });
});
