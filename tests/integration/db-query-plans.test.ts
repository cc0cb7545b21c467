import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { listTickets, searchTickets } from '../../src/db/queries/tickets.js';
import { createOrganizationFixture, type OrganizationFixture, openTestDatabase } from '../support/db.js';

const TICKETS = 100_000;

describe('query plans on 100k tickets', () => {
  let db: DatabaseHandle;
  let f: OrganizationFixture;
  const statements: { query: string; params: unknown[] }[] = [];
  let capture: DatabaseHandle;
  let raw: postgres.Sql;

  beforeAll(async () => {
    db = await openTestDatabase();
    // Ten organisations share the table, as in production; most tickets are long closed.
    const orgs = await Promise.all(Array.from({ length: 10 }, () => createOrganizationFixture(db, 'Big')));
    f = orgs[0]!;
    await db.adminDb.execute(sql`
      insert into tickets (organization_id, customer_id, ticket_number, title, description, status, priority, created_at)
      select (${sql.raw(`array[${orgs.map((o) => `'${o.org.id}'`).join(',')}]::uuid[]`)})[1 + n % 10],
             ${f.customer.id}, n,
             'Ticket ' || n || ' about ' || (array['login','billing','shipping','refund','printer'])[1 + n % 5],
             'Customer writes about ' || (array['password','invoice','parcel','laptop','account'])[1 + n % 5]
               || case when n % 1000 = 0 then ' zebracorn' else '' end,
             case when n % 97 = 0 then 'open' when n % 89 = 0 then 'pending' when n % 13 = 0 then 'resolved'
                  else 'closed' end::ticket_status,
             (array['low','medium','high','urgent']::ticket_priority[])[1 + n % 4],
             now() - (n || ' minutes')::interval
      from generate_series(1, ${TICKETS}) as n`);
    await db.adminDb.execute(sql`analyze tickets`);
    capture = await openDatabase({
      url: inject('databaseUrl'),
      poolSize: 1,
      logger: { logQuery: (query, params) => statements.push({ query, params }) },
    });
    raw = postgres(inject('databaseUrl'), { max: 1 });
  }, 120_000);
  afterAll(async () => {
    await raw.end();
    await capture.close();
    await db.close();
  });

  /** EXPLAIN of the statements a query function issued, run as app_user in the tenant's context. */
  async function plansOf(fn: () => Promise<unknown>): Promise<string[]> {
    statements.length = 0;
    await fn();
    const ours = statements.filter(
      (s) => /from "tickets"/.test(s.query) && !/set_config|set local/.test(s.query),
    );
    const plans: string[] = [];
    for (const s of ours) {
      await raw.begin(async (tx) => {
        await tx`select set_config('app.current_org_id', ${f.org.id}, true)`;
        await tx`set local role app_user`;
        const rows = await tx.unsafe(`explain ${s.query}`, s.params as never[]);
        plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
      });
    }
    return plans;
  }

  it('lists by organisation and status through tickets_org_status_idx', async () => {
    const plans = await plansOf(() =>
      capture.withTenant({ organizationId: f.org.id }, (tx) =>
        listTickets(tx, { organizationId: f.org.id, status: ['pending'], limit: 20 }),
      ),
    );
    expect(plans).toHaveLength(2); // the page and the total
    for (const plan of plans) expect(plan).toContain('tickets_org_status_idx');
  });

  it('runs full-text search through the GIN index tickets_search_idx', async () => {
    let hits = 0;
    const plans = await plansOf(async () => {
      hits = (
        await capture.withTenant({ organizationId: f.org.id }, (tx) =>
          searchTickets(tx, f.org.id, 'zebracorn', 200),
        )
      ).length;
    });
    expect(hits).toBe(TICKETS / 1000); // every thousandth ticket, all of them (n % 10 = 0) in this organisation
    expect(plans).toHaveLength(1);
    expect(plans[0]).toContain('tickets_search_idx');
  });
});
