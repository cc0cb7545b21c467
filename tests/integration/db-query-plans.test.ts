import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { findTicketDetail } from '../../src/db/queries/ticket-detail.js';
import { type ListTicketsParams, listTickets, searchTickets } from '../../src/db/queries/tickets.js';
import { categories, mailboxes, tickets } from '../../src/db/schema/index.js';
import { createOrganizationFixture, type OrganizationFixture, openTestDatabase } from '../support/db.js';

const TICKETS = 100_000;

describe('query plans on 100k tickets', () => {
  let db: DatabaseHandle;
  let f: OrganizationFixture;
  let categoryId: string;
  let mailboxIds: string[];
  const statements: { query: string; params: unknown[] }[] = [];
  let capture: DatabaseHandle;
  let raw: postgres.Sql;
  let prepared = 0;

  beforeAll(async () => {
    db = await openTestDatabase();
    // Ten organisations share the table, as in production; most tickets are long closed.
    const orgs = await Promise.all(Array.from({ length: 10 }, () => createOrganizationFixture(db, 'Big')));
    f = orgs[0]!;
    const [category] = await db.adminDb
      .insert(categories)
      .values({ organizationId: f.org.id, name: 'Billing' })
      .returning();
    categoryId = category!.id;
    const inboxes = await db.adminDb
      .insert(mailboxes)
      .values(
        ['support', 'billing'].map((name) => ({
          organizationId: f.org.id,
          name,
          address: `${name}@big.test`,
        })),
      )
      .returning();
    mailboxIds = inboxes.map((m) => m.id);
    await db.adminDb.execute(sql`
      insert into tickets (organization_id, customer_id, ticket_number, title, description, status, priority,
                           created_at, assignee_id, category_id, tags, mailbox_id)
      select (${sql.raw(`array[${orgs.map((o) => `'${o.org.id}'`).join(',')}]::uuid[]`)})[1 + n % 10],
             ${f.customer.id}, n,
             'Ticket ' || n || ' about ' || (array['login','billing','shipping','refund','printer'])[1 + n % 5],
             'Customer writes about ' || (array['password','invoice','parcel','laptop','account'])[1 + n % 5]
               || case when n % 1000 = 0 then ' zebracorn' else '' end,
             case when n % 19 = 0 then 'open' when n % 89 = 0 then 'pending' when n % 13 = 0 then 'resolved'
                  else 'closed' end::ticket_status,
             (array['low','medium','high','urgent']::ticket_priority[])[1 + n % 4],
             now() - (n || ' minutes')::interval,
             case when n % 10 = 0 and n % 7 = 0 then ${f.agent.id}::uuid end,
             case when n % 10 = 0 and n % 3 = 0 then ${categoryId}::uuid end,
             case when n % 11 = 0 then array['vip'] else array[]::text[] end,
             case when n % 10 = 0 and n % 4 = 0 then ${mailboxIds[0]}::uuid
                  when n % 10 = 0 and n % 4 = 2 then ${mailboxIds[1]}::uuid end
      from generate_series(1, ${TICKETS}) as n`);
    // What production has once autovacuum has been by: statistics and the visibility map.
    await db.adminDb.execute(sql`vacuum analyze tickets`);
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

  /**
   * EXPLAIN of the statements on tickets a query function issued, run as app_user in the tenant's
   * context, planned for the values given (custom) and, since statements are prepared, for any values
   * (the generic plan PostgreSQL may switch to after five executions).
   */
  async function plansOf(
    fn: () => Promise<unknown>,
    { generic = true, from = /from "tickets"/ } = {},
  ): Promise<string[]> {
    statements.length = 0;
    await fn();
    const ours = statements.filter((s) => from.test(s.query));
    const plans: string[] = [];
    for (const s of ours) {
      for (const mode of generic ? ['force_custom_plan', 'force_generic_plan'] : ['force_custom_plan']) {
        await raw.begin(async (tx) => {
          await tx`select set_config('app.current_org_id', ${f.org.id}, true), set_config('role', 'app_user', true), set_config('plan_cache_mode', ${mode}, true)`;
          // PREPARE needs the parameters' types, EXECUTE literal arguments (from our own test values).
          const { types } = await tx.unsafe(s.query, s.params as never[]).describe();
          const typeNames = await Promise.all(
            types.map(
              async (oid) => (await tx`select format_type(${oid}::oid, null) as name`)[0]!.name as string,
            ),
          );
          const literal = (v: unknown) => `'${String(v).replaceAll("'", "''")}'`;
          const args = typeNames.map((type, i) => `${literal(s.params[i])}::${type}`).join(', ');
          const name = `planned_${prepared++}`;
          await tx.unsafe(`prepare ${name}${args ? `(${typeNames.join(', ')})` : ''} as ${s.query}`).simple();
          const rows = await tx.unsafe(`explain execute ${name}${args ? `(${args})` : ''}`).simple();
          plans.push(
            `${mode}\n${rows.map((r) => (r as unknown as { 'QUERY PLAN': string })['QUERY PLAN']).join('\n')}`,
          );
          await tx.unsafe(`deallocate ${name}`);
        });
      }
    }
    if (process.env.SHOW_PLANS) console.log(plans.join('\n---\n'));
    return plans;
  }

  const list = (params: Omit<ListTicketsParams, 'organizationId'>) =>
    plansOf(() =>
      capture.withTenant({ organizationId: f.org.id }, (tx) =>
        listTickets(tx, { organizationId: f.org.id, limit: 20, ...params }),
      ),
    );

  // Reading the organisation's matches from the heap (a sequential or bitmap heap scan) and sorting them
  // is what made a page cost as much as all of them; an index in the listing's order reads one page's
  // worth. The count reads the matches' index entries, and stops at the cap.
  function expectIndexed(plans: string[], index: string | RegExp) {
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) {
      expect(plan).not.toMatch(/Seq Scan on tickets/);
      // Never every ticket of the organisation: no index condition on the organisation alone (a
      // correlated one, `= t.organization_id`, is the per-row lookup of a person's name).
      expect(plan).not.toMatch(/Index Cond: \(organization_id = (?!\w+\.organization_id)[^)]+\)\n/);
      const isCount = /^(force_\w+)\nAggregate/.test(plan);
      if (!isCount) expect(plan).toMatch(index);
    }
  }

  const filters: [string, Omit<ListTicketsParams, 'organizationId'>, string | RegExp][] = [
    ['one status', { status: ['open'] }, 'tickets_live_org_status_created_idx'],
    [
      'status and priority',
      { status: ['open'], priority: ['high'] },
      'tickets_live_org_status_priority_created_idx',
    ],
    ['an assignee', { assigneeId: '00000000-0000-4000-8000-000000000000' }, /tickets_(live_org_)?assignee_/],
  ];
  for (const [name, params, index] of filters)
    it(`lists ${name} through ${String(index)}, page and count`, async () => {
      const plans = await list({ ...params, count: 'capped' });
      expect(plans).toHaveLength(4); // page and count, each custom and generic
      expectIndexed(plans, index);
    });

  for (const order of ['desc', 'asc'] as const)
    it(`lists the whole inbox (${order}) in the index's order, without sorting`, async () => {
      const plans = await list({ order, count: 'none' });
      expect(plans).toHaveLength(2);
      for (const plan of plans) {
        expect(plan).toMatch(/Index Scan (Backward )?using tickets_live_org_created_idx/);
        expect(plan).not.toMatch(/Seq Scan on tickets|Bitmap Heap Scan on tickets|Sort/);
      }
    });

  it('lists the unassigned in an index order, without sorting', async () => {
    // Most tickets are unassigned: reading the newest and skipping the assigned ones is as cheap.
    const plans = await list({ unassigned: true, count: 'none' });
    for (const plan of plans) {
      expect(plan).toMatch(/tickets_live_org_(assignee_)?created_idx/);
      expect(plan).not.toMatch(/Seq Scan on tickets|Bitmap Heap Scan on tickets|Sort/);
    }
  });

  it('lists an assignee through the assignee index', async () => {
    expectIndexed(
      await list({ assigneeId: f.agent.id, count: 'none' }),
      'tickets_live_org_assignee_created_idx',
    );
  });

  it('lists a mailbox through the mailbox index, page and count', async () => {
    const plans = await list({ mailboxId: mailboxIds[1]!, count: 'capped' });
    expect(plans).toHaveLength(4);
    expectIndexed(plans, 'tickets_live_org_mailbox_created_idx');
  });

  it('lists open tickets of a mailbox through the mailbox and status index, page and count', async () => {
    const plans = await list({ mailboxId: mailboxIds[0]!, status: ['open'], count: 'capped' });
    expect(plans).toHaveLength(4);
    expectIndexed(plans, 'tickets_live_org_mailbox_status_created_idx');
  });

  it('continues from a cursor inside the index (no re-reading the pages before)', async () => {
    const { pagination } = await capture.withTenant({ organizationId: f.org.id }, (tx) =>
      listTickets(tx, { organizationId: f.org.id, status: ['open'], limit: 20, cursor: '', count: 'none' }),
    );
    const plans = await list({ status: ['open'], cursor: pagination.nextCursor!, count: 'none' });
    expectIndexed(plans, 'tickets_live_org_status_created_idx');
    for (const plan of plans) expect(plan).toMatch(/Index Cond: .*ROW\(created_at, id\) </);
  });

  it('lists a category and its subcategories through the category index, not the organisation', async () => {
    const plans = await list({ categoryId, count: 'none' });
    for (const plan of plans) {
      expect(plan).toContain('tickets_category_idx');
      expect(plan).not.toMatch(/Seq Scan on tickets|Bitmap Heap Scan on tickets/);
    }
  });

  it('lists a tag without reading the organisation from the heap', async () => {
    const plans = await list({ tag: 'vip', count: 'none' });
    for (const plan of plans) expect(plan).not.toMatch(/Seq Scan on tickets/);
  });

  it("reads a ticket's messages and activities by the ticket, not by hashing the organisation's tickets", async () => {
    const [ticket] = await db.adminDb
      .select({ id: tickets.id })
      .from(tickets)
      .where(sql`${tickets.organizationId} = ${f.org.id}`)
      .limit(1);
    await db.adminDb.execute(sql`
      insert into ticket_messages (ticket_id, content) select ${ticket!.id}, 'm' || n from generate_series(1, 3) n`);
    await db.adminDb.execute(sql`
      insert into ticket_activities (ticket_id, action) select ${ticket!.id}, 'message_added' from generate_series(1, 3)`);
    let detail: Awaited<ReturnType<typeof findTicketDetail>>;
    const plans = await plansOf(
      async () => {
        detail = await capture.withTenant({ organizationId: f.org.id }, (tx) =>
          findTicketDetail(tx, f.org.id, ticket!.id),
        );
      },
      { from: /from "ticket_(messages|activities)"/ },
    );
    expect(detail!.messages).toHaveLength(3);
    expect(detail!.activities).toHaveLength(3);
    expect(plans).toHaveLength(4); // messages and activities, custom and generic
    for (const plan of plans) {
      // The policy's check is a primary-key lookup of the row's ticket.
      expect(plan).toContain('tickets_pkey');
      expect(plan).not.toMatch(/hashed SubPlan|Seq Scan on tickets|Bitmap Heap Scan on tickets/);
    }
  });

  it('searches a rare word through the GIN index tickets_search_idx', async () => {
    let hits = 0;
    const plans = await plansOf(
      async () => {
        hits = (
          await capture.withTenant({ organizationId: f.org.id }, (tx) =>
            searchTickets(tx, f.org.id, 'zebracorn', 200),
          )
        ).length;
      },
      { generic: false }, // search is planned for its words each time (force_custom_plan)
    );
    expect(hits).toBe(TICKETS / 1000); // every thousandth ticket, all of them (n % 10 = 0) in this organisation
    expect(plans).toHaveLength(1);
    expect(plans[0]).toContain('tickets_search_idx');
  });

  it('searches a common word ranking the newest 1,000 matches, not every match', async () => {
    const plans = await plansOf(
      () =>
        capture.withTenant({ organizationId: f.org.id }, (tx) => searchTickets(tx, f.org.id, 'invoice', 20)),
      { generic: false },
    );
    expect(plans).toHaveLength(1);
    const plan = plans[0]!;
    expect(plan).not.toMatch(/Seq Scan on tickets/);
    // The rank is sorted above the bound: at most 1,000 rows are ranked.
    const rankSort = plan.indexOf('Sort Key: (ts_rank');
    const bound = plan.search(/Limit {2}\(cost=[\d.]+ rows=1000 /);
    expect(rankSort).toBeGreaterThan(-1);
    expect(bound).toBeGreaterThan(rankSort);
  });
});
