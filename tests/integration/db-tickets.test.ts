import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import {
  assignTicketWithActivity,
  COUNT_CAP,
  changeTicketPriority,
  changeTicketStatus,
  createTicket,
  getTicketStats,
  InvalidCursorError,
  listTickets,
  SEARCH_RANKED_MATCHES,
  searchTickets,
  setTicketTags,
  TICKET_SORTS,
} from '../../src/db/queries/tickets.js';
import { ticketActivities, tickets } from '../../src/db/schema/index.js';
import {
  createOrganizationFixture,
  createUser,
  type OrganizationFixture,
  openTestDatabase,
} from '../support/db.js';

let db: DatabaseHandle;
beforeAll(async () => {
  db = await openTestDatabase(20);
});
afterAll(() => db.close());

const tenant = (f: OrganizationFixture) => ({ organizationId: f.org.id, userId: f.agent.id });

function newTicket(f: OrganizationFixture, overrides: Partial<Parameters<typeof createTicket>[1]> = {}) {
  return db.withTenant(tenant(f), (tx) =>
    createTicket(tx, {
      organizationId: f.org.id,
      customerId: f.customer.id,
      title: 'Hello',
      description: 'World',
      ...overrides,
    }),
  );
}

describe('ticket numbers', () => {
  it('50 concurrent creations get 50 distinct consecutive numbers', async () => {
    const f = await createOrganizationFixture(db);
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => newTicket(f, { title: `T${i}` })));
    const numbers = created.map((t) => t.ticketNumber).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('are counted per organisation', async () => {
    const a = await createOrganizationFixture(db);
    const b = await createOrganizationFixture(db);
    await newTicket(a);
    await newTicket(a);
    expect((await newTicket(b)).ticketNumber).toBe(1);
    expect((await newTicket(a)).ticketNumber).toBe(3);
  });

  it('cannot repeat within an organisation (unique index)', async () => {
    const f = await createOrganizationFixture(db);
    const t = await newTicket(f);
    const insertDuplicate = db.adminDb.insert(tickets).values({
      organizationId: f.org.id,
      customerId: f.customer.id,
      ticketNumber: t.ticketNumber,
      title: 'x',
      description: 'y',
    });
    await expect(insertDuplicate).rejects.toThrow();
  });
});

describe('listTickets', () => {
  let f: OrganizationFixture;
  let other: Awaited<ReturnType<typeof createUser>>;
  beforeAll(async () => {
    f = await createOrganizationFixture(db);
    other = await createUser(db, 'Otto Other');
    const specs = [
      { title: 'Login broken', status: 'open', priority: 'urgent', assigneeId: f.agent.id, tags: ['auth'] },
      { title: 'Invoice 50% wrong', status: 'open', priority: 'low', tags: ['billing'] },
      {
        title: 'Refund please',
        status: 'pending',
        priority: 'high',
        assigneeId: f.agent.id,
        tags: ['billing'],
      },
      { title: 'Thanks!', status: 'resolved', priority: 'medium', customerId: other.id },
      { title: 'Old issue', status: 'closed', priority: 'low' },
    ] as const;
    for (const [i, s] of specs.entries()) {
      await newTicket(f, {
        ...s,
        tags: 'tags' in s ? [...s.tags] : [],
        createdAt: new Date(Date.UTC(2026, 0, 1 + i)),
        slaDeadline: new Date(Date.UTC(2026, 1, 10 - i)),
      });
    }
    const deleted = await newTicket(f, { title: 'Deleted spam', status: 'open' });
    await db.withTenant(tenant(f), (tx) =>
      tx.update(tickets).set({ deletedAt: new Date() }).where(eq(tickets.id, deleted.id)),
    );
    // Another organisation's tickets never show up.
    const g = await createOrganizationFixture(db);
    await newTicket(g, { title: 'Login broken elsewhere' });
  });

  const list = (params: Omit<Parameters<typeof listTickets>[1], 'organizationId'>) =>
    db.withTenant(tenant(f), (tx) => listTickets(tx, { organizationId: f.org.id, ...params }));
  const titles = async (params: Parameters<typeof list>[0]) => (await list(params)).data.map((t) => t.title);

  it('lists newest first with customer and assignee, excluding soft-deleted tickets', async () => {
    const result = await list({});
    expect(result.data.map((t) => t.title)).toEqual([
      'Old issue',
      'Thanks!',
      'Refund please',
      'Invoice 50% wrong',
      'Login broken',
    ]);
    expect(result.pagination).toEqual({ page: 1, limit: 20, total: 5, totalPages: 1 });
    expect(result.data[4]!.assignee?.name).toBe('Adam Agent');
    expect(result.data[4]!.customer.email).toBe(f.customer.email);
  });

  it('filters by status, priority, assignee, unassigned, customer and tag', async () => {
    expect(await titles({ status: ['open', 'pending'] })).toEqual([
      'Refund please',
      'Invoice 50% wrong',
      'Login broken',
    ]);
    expect(await titles({ priority: ['low'] })).toEqual(['Old issue', 'Invoice 50% wrong']);
    expect(await titles({ assigneeId: f.agent.id })).toEqual(['Refund please', 'Login broken']);
    expect(await titles({ unassigned: true })).toEqual(['Old issue', 'Thanks!', 'Invoice 50% wrong']);
    expect(await titles({ customerId: other.id })).toEqual(['Thanks!']);
    expect(await titles({ tag: 'billing' })).toEqual(['Refund please', 'Invoice 50% wrong']);
  });

  it('searches title and description, treating % and _ literally', async () => {
    expect(await titles({ search: 'invoice' })).toEqual(['Invoice 50% wrong']);
    expect(await titles({ search: '50%' })).toEqual(['Invoice 50% wrong']);
    expect(await titles({ search: '%' })).toEqual(['Invoice 50% wrong']);
    expect(await titles({ search: "' or 1=1 --" })).toEqual([]);
  });

  it('filters by creation date range and SLA deadline', async () => {
    expect(
      await titles({ dateFrom: new Date(Date.UTC(2026, 0, 2)), dateTo: new Date(Date.UTC(2026, 0, 3)) }),
    ).toEqual(['Invoice 50% wrong', 'Refund please'].reverse());
    expect(await titles({ slaDueBefore: new Date(Date.UTC(2026, 1, 7)) })).toEqual(['Old issue', 'Thanks!']);
  });

  it('sorts by priority and by SLA deadline', async () => {
    expect(await titles({ sort: 'priority', order: 'desc', status: ['open', 'pending'] })).toEqual([
      'Login broken',
      'Refund please',
      'Invoice 50% wrong',
    ]);
    expect((await titles({ sort: 'sla_deadline', order: 'asc' }))[0]).toBe('Old issue');
  });

  it('paginates with a total', async () => {
    const page2 = await list({ page: 2, limit: 2 });
    expect(page2.data.map((t) => t.title)).toEqual(['Refund please', 'Invoice 50% wrong']);
    expect(page2.pagination).toEqual({ page: 2, limit: 2, total: 5, totalPages: 3 });
    expect((await list({ page: 4, limit: 2 })).data).toEqual([]);
  });
});

describe('listTickets with a cursor', () => {
  let f: OrganizationFixture;
  beforeAll(async () => {
    f = await createOrganizationFixture(db);
    // Timestamps a microsecond apart (a JavaScript Date would merge them), shared ones, and missing SLA
    // deadlines: the cursor must neither skip nor repeat any of them.
    await db.adminDb.execute(sql`
      insert into tickets (organization_id, customer_id, ticket_number, title, description, status, priority,
                           created_at, updated_at, sla_deadline)
      select ${f.org.id}, ${f.customer.id}, n, 'Ticket ' || n, 'x',
             (array['open','pending','closed']::ticket_status[])[1 + n % 3],
             (array['low','medium','high','urgent']::ticket_priority[])[1 + n % 4],
             timestamptz '2026-03-01 10:00:00.000001+00' + (n / 3) * interval '1 microsecond',
             timestamptz '2026-03-01 10:00:00+00',
             case when n % 5 = 0 then null else timestamptz '2026-04-01 00:00:00+00' + (n % 7) * interval '1 hour' end
      from generate_series(1, 23) as n`);
  });
  const list = (params: Omit<Parameters<typeof listTickets>[1], 'organizationId'>) =>
    db.withTenant(tenant(f), (tx) => listTickets(tx, { organizationId: f.org.id, ...params }));

  for (const sort of TICKET_SORTS)
    for (const order of ['asc', 'desc'] as const)
      it(`pages by ${sort} ${order} exactly as the offset listing orders`, async () => {
        const all = (await list({ sort, order, limit: 100 })).data.map((t) => t.ticketNumber);
        expect(all).toHaveLength(23);
        const walked: number[] = [];
        let cursor = '';
        for (let pages = 0; pages < 10; pages++) {
          const { data, pagination } = await list({ sort, order, limit: 4, cursor });
          walked.push(...data.map((t) => t.ticketNumber));
          if (pagination.nextCursor === null) break;
          cursor = pagination.nextCursor!;
        }
        expect(walked).toEqual(all);
      });

  it('keeps filters across pages and counts them, capped by default', async () => {
    const first = await list({ status: ['open'], limit: 5, cursor: '' });
    expect(first.pagination).toEqual({
      limit: 5,
      total: 7,
      totalPages: 2,
      totalCapped: false,
      nextCursor: expect.any(String),
    });
    const second = await list({ status: ['open'], limit: 5, cursor: first.pagination.nextCursor! });
    expect(second.data.map((t) => t.status)).toEqual(['open', 'open']);
    expect(second.pagination.nextCursor).toBeNull();
    expect((await list({ limit: 5, cursor: '', count: 'none' })).pagination).toEqual({
      limit: 5,
      nextCursor: expect.any(String),
    });
  });

  it('refuses a tampered cursor or one from another sort', async () => {
    const { pagination } = await list({ limit: 2, cursor: '' });
    const decoded = JSON.parse(Buffer.from(pagination.nextCursor!, 'base64url').toString());
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'garbage',
      forged({ ...decoded, id: "x' or 1=1 --" }),
      forged({ ...decoded, value: null }),
      forged({ ...decoded, value: 'not a time' }),
    ]) {
      await expect(list({ limit: 2, cursor }), cursor).rejects.toSatisfy(
        (e) => e instanceof InvalidCursorError || /invalid input syntax/.test(String((e as Error).cause)),
      );
    }
    await expect(list({ limit: 2, cursor: pagination.nextCursor!, sort: 'updated' })).rejects.toThrow(
      InvalidCursorError,
    );
  });
});

describe('listTickets counts', () => {
  it(`stops counting past ${COUNT_CAP.toLocaleString('en')} unless asked for the exact total`, async () => {
    const f = await createOrganizationFixture(db);
    await db.adminDb.execute(sql`
      insert into tickets (organization_id, customer_id, ticket_number, title, description)
      select ${f.org.id}, ${f.customer.id}, n, 'Ticket ' || n, 'x' from generate_series(1, ${COUNT_CAP + 5}) as n`);
    const list = (count: 'exact' | 'capped') =>
      db.withTenant(tenant(f), (tx) => listTickets(tx, { organizationId: f.org.id, limit: 100, count }));
    expect((await list('capped')).pagination).toEqual({
      page: 1,
      limit: 100,
      total: COUNT_CAP,
      totalPages: COUNT_CAP / 100,
      totalCapped: true,
    });
    expect((await list('exact')).pagination.total).toBe(COUNT_CAP + 5);
  });
});

describe('searchTickets', () => {
  it('ranks the better match first and highlights it', async () => {
    const f = await createOrganizationFixture(db);
    await newTicket(f, {
      title: 'Password reset',
      description: 'Cannot reset my password, the reset link expired',
    });
    await newTicket(f, { title: 'Billing', description: 'Question about the password field on invoices' });
    await newTicket(f, { title: 'Shipping', description: 'Where is my parcel' });
    const g = await createOrganizationFixture(db);
    await newTicket(g, { title: 'Password reset elsewhere', description: 'password password' });

    const hits = await db.withTenant(tenant(f), (tx) => searchTickets(tx, f.org.id, 'password reset'));
    expect(hits.map((h) => h.title)).toEqual(['Password reset']);
    const broader = await db.withTenant(tenant(f), (tx) => searchTickets(tx, f.org.id, 'password'));
    expect(broader.map((h) => h.title)).toEqual(['Password reset', 'Billing']);
    expect(broader[0]!.rank).toBeGreaterThan(broader[1]!.rank);
    expect(broader[0]!.snippet).toContain('[[password]]');
  });
});

describe('searchTickets over many matches', () => {
  it(`ranks the newest ${SEARCH_RANKED_MATCHES.toLocaleString('en')} matches only`, async () => {
    const f = await createOrganizationFixture(db);
    // The best match of all is the oldest: one more than the bound, so it is not ranked.
    await db.adminDb.execute(sql`
      insert into tickets (organization_id, customer_id, ticket_number, title, description, created_at)
      select ${f.org.id}, ${f.customer.id}, n,
             case when n = 1 then 'Printer printer printer' else 'Question ' || n end,
             case when n = 1 then 'printer on fire, printer jammed' else 'about the printer' end,
             timestamptz '2026-01-01 00:00:00+00' + n * interval '1 minute'
      from generate_series(1, ${SEARCH_RANKED_MATCHES + 1}) as n`);
    const search = (q: string) => db.withTenant(tenant(f), (tx) => searchTickets(tx, f.org.id, q, 3));
    const hits = await search('printer');
    expect(hits).toHaveLength(3);
    expect(hits.map((h) => h.title)).not.toContain('Printer printer printer');
    // Equal ranks: newest first.
    expect(hits.map((h) => h.ticketNumber)).toEqual([1001, 1000, 999]);
    // Once it is among the newest matches, it ranks first.
    await db.adminDb.execute(
      sql`update tickets set created_at = now() where organization_id = ${f.org.id} and ticket_number = 1`,
    );
    expect((await search('printer'))[0]!.title).toBe('Printer printer printer');
  });
});

describe('getTicketStats', () => {
  it('counts by status and priority', async () => {
    const f = await createOrganizationFixture(db);
    for (const [status, priority] of [
      ['open', 'high'],
      ['open', 'high'],
      ['open', 'low'],
      ['resolved', 'urgent'],
    ] as const) {
      await newTicket(f, { status, priority });
    }
    const stats = await db.withTenant(tenant(f), (tx) => getTicketStats(tx, f.org.id));
    expect(stats).toEqual({
      open: { total: 3, byPriority: { high: 2, low: 1 } },
      resolved: { total: 1, byPriority: { urgent: 1 } },
    });
  });
});

describe('state changes write their activity in the same transaction', () => {
  it('records assignment, status, priority and tags, and rolls back with the transaction', async () => {
    const f = await createOrganizationFixture(db);
    const t = await newTicket(f);
    await db.withTenant(tenant(f), async (tx) => {
      await assignTicketWithActivity(tx, f.org.id, t.id, f.agent.id, f.owner.id);
      await changeTicketPriority(tx, f.org.id, t.id, 'urgent', f.agent.id);
      await setTicketTags(tx, f.org.id, t.id, ['vip', 'vip', 'billing'], f.agent.id);
      await changeTicketStatus(tx, f.org.id, t.id, 'resolved', f.agent.id);
      await changeTicketStatus(tx, f.org.id, t.id, 'open', f.agent.id);
    });
    const activities = await db.adminDb
      .select()
      .from(ticketActivities)
      .where(sql`${ticketActivities.ticketId} = ${t.id}`)
      .orderBy(ticketActivities.createdAt);
    expect(activities.map((a) => a.action)).toEqual([
      'created',
      'assigned',
      'priority_changed',
      'tagged',
      'resolved',
      'reopened',
    ]);
    expect(activities[1]!.metadata).toMatchObject({ assigneeId: f.agent.id, assigneeName: 'Adam Agent' });
    expect(activities[3]!.metadata).toEqual({ addedTags: ['vip', 'billing'], removedTags: [] });

    await expect(
      db.withTenant(tenant(f), async (tx) => {
        await changeTicketPriority(tx, f.org.id, t.id, 'low', f.agent.id);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const [after] = await db.adminDb.select().from(tickets).where(sql`${tickets.id} = ${t.id}`);
    expect(after!.priority).toBe('urgent');
    const count = await db.adminDb.$count(ticketActivities, sql`${ticketActivities.ticketId} = ${t.id}`);
    expect(count).toBe(6);
  });

  it("returns undefined for another organisation's ticket", async () => {
    const a = await createOrganizationFixture(db);
    const b = await createOrganizationFixture(db);
    const t = await newTicket(b);
    const result = await db.withTenant(tenant(a), (tx) =>
      changeTicketStatus(tx, a.org.id, t.id, 'closed', a.agent.id),
    );
    expect(result).toBeUndefined();
    const spoofed = await db.withTenant(tenant(a), (tx) =>
      changeTicketStatus(tx, b.org.id, t.id, 'closed', a.agent.id),
    );
    expect(spoofed).toBeUndefined();
  });
});
