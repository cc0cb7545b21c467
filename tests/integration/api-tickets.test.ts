import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createTicket } from '../../src/db/queries/tickets.js';
import {
  ticketActivities,
  ticketMessages,
  tickets,
  userOrganizations,
  users,
} from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';

const h = useApiHarness();

const newTicket = (overrides: Record<string, unknown> = {}) => ({
  customer: { email: `Customer-${randomUUID().slice(0, 8)}@Example.test`, name: 'Casey Customer' },
  title: 'Printer on fire',
  description: 'Smoke everywhere since this morning.',
  ...overrides,
});

async function openViaApi(f: ApiFixture, overrides: Record<string, unknown> = {}) {
  const response = await as(h.app, f.tokens.agent).post('/tickets', newTicket(overrides));
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; ticketNumber: number; customerId: string };
}

/** Tickets written straight to the database: listing and search need no workflow. */
async function seedTicket(f: ApiFixture, values: Partial<typeof tickets.$inferInsert> = {}) {
  return h.db.withTenant({ organizationId: f.org.id }, async (tx) => {
    const ticket = await createTicket(tx, {
      organizationId: f.org.id,
      customerId: f.customer.id,
      title: 'Seeded ticket',
      description: 'Nothing special',
      ...values,
    });
    const { createdAt, updatedAt, slaBreached, slaDeadline } = values;
    if (createdAt || updatedAt || slaBreached || slaDeadline) {
      await tx
        .update(tickets)
        .set({ createdAt, updatedAt, slaBreached, slaDeadline })
        .where(eq(tickets.id, ticket.id));
    }
    return ticket;
  });
}

const numbers = (body: { data: { ticketNumber: number }[] }) => body.data.map((t) => t.ticketNumber);

describe('POST /tickets', () => {
  it('opens a ticket for a new customer, starts its workflow and acknowledges it by email', async () => {
    const f = await createApiFixture(h.db);
    const input = newTicket({ priority: 'high', tags: ['hardware'], assigneeId: f.agent.id, channel: 'web' });
    const response = await as(h.app, f.tokens.agent).post('/tickets', input);
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toMatchObject({ ticketNumber: 1, status: 'open', priority: 'high' });
    expect(response.headers.location).toBe(`/tickets/${created.id}`);

    const email = input.customer.email.toLowerCase();
    const [customer] = await h.db.adminDb.select().from(users).where(eq(users.email, email));
    expect(customer!.id).toBe(created.customerId);
    const [membership] = await h.db.adminDb
      .select()
      .from(userOrganizations)
      .where(and(eq(userOrganizations.userId, customer!.id), eq(userOrganizations.organizationId, f.org.id)));
    expect(membership!.role).toBe('customer');

    const ack = await h.tickets.sink.waitFor((m) => m.envelope.to.includes(email));
    expect(ack.subject).toBe('[#1] Printer on fire');

    const detail = (await as(h.app, f.tokens.agent).get(`/tickets/${created.id}`)).json();
    expect(detail).toMatchObject({
      channel: 'web',
      tags: ['hardware'],
      assignee: { id: f.agent.id, name: 'Adam Agent' },
      customer: { email, name: 'Casey Customer' },
      description: input.description,
    });
    expect(detail.messages[0]).toMatchObject({ type: 'reply', internal: false, content: input.description });
    expect(detail.activities.map((a: { action: string }) => a.action)).toContain('created');
    expect(detail.sla).toMatchObject({ status: 'open', priority: 'high', breached: false });
    expect(detail.sla.clocks.first_response.outcome).toBe('running');
  });

  it('answers a repeated request with the same Idempotency-Key with the first ticket', async () => {
    const f = await createApiFixture(h.db);
    const input = newTicket();
    const headers = { 'idempotency-key': 'form-submit-1' };
    const first = (await as(h.app, f.tokens.agent).post('/tickets', input, headers)).json();
    const again = (await as(h.app, f.tokens.agent).post('/tickets', input, headers)).json();
    expect(again).toEqual(first);
    expect(await h.db.adminDb.$count(tickets, eq(tickets.organizationId, f.org.id))).toBe(1);
  });

  it('keeps an existing member’s role when opening a ticket for them', async () => {
    const f = await createApiFixture(h.db);
    const created = await openViaApi(f, { customer: { email: f.owner.email } });
    expect(created.customerId).toBe(f.owner.id);
    const [membership] = await h.db.adminDb
      .select()
      .from(userOrganizations)
      .where(and(eq(userOrganizations.userId, f.owner.id), eq(userOrganizations.organizationId, f.org.id)));
    expect(membership!.role).toBe('owner');
  });

  it('validates the body and names the field', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.agent);
    const cases: [Record<string, unknown>, string, string][] = [
      [newTicket({ title: '' }), 'body.title', 'must NOT have fewer than 1 characters'],
      [newTicket({ customer: { email: 'nope' } }), 'body.customer.email', 'must match format "email"'],
      [newTicket({ priority: 'whenever' }), 'body.priority', 'must be one of low, medium, high, urgent'],
      [newTicket({ channel: 'email' }), 'body.channel', 'must be one of api, web'],
      [newTicket({ colour: 'red' }), 'body.colour', 'is not allowed'],
      [{ title: 'x', description: 'y' }, 'body.customer', 'is required'],
    ];
    for (const [body, field, message] of cases) {
      const response = await api.post('/tickets', body);
      expect(response.statusCode, field).toBe(400);
      expect(errorOf(response).details, field).toEqual([{ field, message }]);
    }
  });

  it('refuses an assignee who is not an agent of the organisation', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    for (const assigneeId of [f.customer.id, other.agent.id, randomUUID()]) {
      const response = await as(h.app, f.tokens.agent).post('/tickets', newTicket({ assigneeId }));
      expect(response.statusCode).toBe(422);
      expect(errorOf(response).message).toBe('assigneeId must be an active agent of this organisation');
    }
    expect(await h.db.adminDb.$count(tickets, eq(tickets.organizationId, f.org.id))).toBe(0);
  });
});

describe('GET /tickets', () => {
  it('filters by every criterion of listTickets', async () => {
    const f = await createApiFixture(h.db);
    const day = (d: number) => new Date(Date.UTC(2026, 0, d));
    const t1 = await seedTicket(f, { status: 'open', priority: 'high', tags: ['vip'], createdAt: day(1) });
    const t2 = await seedTicket(f, {
      status: 'pending',
      priority: 'low',
      assigneeId: f.agent.id,
      title: 'Refund for order 100%',
      createdAt: day(2),
      slaBreached: day(3),
      slaDeadline: day(3),
    });
    const t3 = await seedTicket(f, {
      status: 'resolved',
      customerId: f.owner.id,
      createdAt: day(3),
      slaDeadline: day(9),
    });
    const other = await createApiFixture(h.db, 'Other');
    await seedTicket(other, { status: 'open', priority: 'high', tags: ['vip'] });

    const list = async (query: string) => {
      const response = await as(h.app, f.tokens.agent).get(`/tickets?${query}`);
      expect(response.statusCode, `${query}: ${response.body}`).toBe(200);
      return numbers(response.json()).sort();
    };
    const [n1, n2, n3] = [t1.ticketNumber, t2.ticketNumber, t3.ticketNumber];
    expect(await list('')).toEqual([n1, n2, n3]);
    expect(await list('status=open&status=pending')).toEqual([n1, n2]);
    expect(await list('status=resolved')).toEqual([n3]);
    expect(await list('priority=high')).toEqual([n1]);
    expect(await list(`assigneeId=${f.agent.id}`)).toEqual([n2]);
    expect(await list('unassigned=true')).toEqual([n1, n3]);
    expect(await list(`customerId=${f.owner.id}`)).toEqual([n3]);
    // Another organisation's ticket of the same number is not theirs.
    expect(await list(`number=${n1}`)).toEqual([n1]);
    expect(await list('number=99999')).toEqual([]);
    expect(await list('tag=vip')).toEqual([n1]);
    expect(await list(`search=${encodeURIComponent('100%')}`)).toEqual([n2]);
    expect(await list('dateFrom=2026-01-02T00:00:00Z&dateTo=2026-01-02T23:59:59Z')).toEqual([n2]);
    expect(await list('slaBreached=true')).toEqual([n2]);
    expect(await list('slaBreached=false')).toEqual([n1, n3]);
    expect(await list('slaDueBefore=2026-01-05T00:00:00Z')).toEqual([n2]);
  });

  it('sorts, pages and counts', async () => {
    const f = await createApiFixture(h.db);
    for (const priority of ['low', 'urgent', 'medium', 'high', 'low'] as const)
      await seedTicket(f, { priority });
    const api = as(h.app, f.tokens.agent);
    const byPriority = (await api.get('/tickets?sort=priority&order=desc')).json();
    expect(byPriority.data.map((t: { priority: string }) => t.priority)).toEqual([
      'urgent',
      'high',
      'medium',
      'low',
      'low',
    ]);
    const oldestFirst = await api.get('/tickets?sort=created&order=asc&limit=2&page=2');
    expect(numbers(oldestFirst.json())).toEqual([3, 4]);
    expect(oldestFirst.json().pagination).toEqual({ page: 2, limit: 2, total: 5, totalPages: 3 });
    const first = oldestFirst.json().data[0];
    expect(first).toMatchObject({ customer: { id: f.customer.id, email: f.customer.email }, assignee: null });
    expect(first.description).toBeUndefined();
  });

  it('pages with a cursor, counts as asked, and refuses a cursor it did not hand out', async () => {
    const f = await createApiFixture(h.db);
    for (let i = 0; i < 5; i++) await seedTicket(f, {});
    const api = as(h.app, f.tokens.agent);
    const first = (await api.get('/tickets?limit=3&cursor=')).json();
    expect(first.pagination).toEqual({
      limit: 3,
      total: 5,
      totalPages: 2,
      totalCapped: false,
      nextCursor: expect.any(String),
    });
    const next = (await api.get(`/tickets?limit=3&count=none&cursor=${first.pagination.nextCursor}`)).json();
    expect([...numbers(first), ...numbers(next)]).toEqual([5, 4, 3, 2, 1]);
    expect(next.pagination).toEqual({ limit: 3, nextCursor: null });
    for (const cursor of ['nonsense', first.pagination.nextCursor]) {
      const response = await api.get(`/tickets?sort=updated&cursor=${cursor}`);
      expect(response.statusCode).toBe(400);
      expect(errorOf(response).details).toMatchObject([{ field: 'querystring.cursor' }]);
    }
    expect((await api.get('/tickets?count=roughly')).statusCode).toBe(400);
  });

  it('caps the page size and refuses unknown or malformed filters', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.agent);
    const cases: [string, string, string][] = [
      ['limit=101', 'querystring.limit', 'must be <= 100'],
      ['page=0', 'querystring.page', 'must be >= 1'],
      ['number=%2312', 'querystring.number', 'must be integer'],
      ['status=lost', 'querystring.status.0', 'must be one of open, pending, resolved, closed'],
      ['assigneeId=bob', 'querystring.assigneeId', 'must match format "uuid"'],
      ['dateFrom=yesterday', 'querystring.dateFrom', 'must match format "date-time"'],
      ['sort=colour', 'querystring.sort', 'must be one of created, updated, sla_deadline, priority'],
      ['stauts=open', 'querystring.stauts', 'is not allowed'],
    ];
    for (const [query, field, message] of cases) {
      const response = await api.get(`/tickets?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(errorOf(response).details, query).toEqual([{ field, message }]);
    }
  });
});

describe('GET /tickets/search', () => {
  it('ranks matches and highlights them, within the organisation only', async () => {
    const f = await createApiFixture(h.db);
    const best = await seedTicket(f, {
      title: 'Invoice wrong',
      description: 'The invoice total is wrong on the invoice',
    });
    const weaker = await seedTicket(f, {
      title: 'Question',
      description: 'Where can I download my invoice?',
    });
    await seedTicket(f, { title: 'Login', description: 'Cannot log in' });
    const other = await createApiFixture(h.db, 'Other');
    await seedTicket(other, { title: 'Invoice', description: 'invoice invoice invoice' });

    const response = await as(h.app, f.tokens.agent).get('/tickets/search?q=invoice');
    expect(response.statusCode).toBe(200);
    const { data } = response.json();
    expect(data.map((r: { id: string }) => r.id)).toEqual([best.id, weaker.id]);
    expect(data[0].rank).toBeGreaterThan(data[1].rank);
    expect(data[0].snippet).toContain('[[Invoice]]');
  });

  it('needs a query', async () => {
    const f = await createApiFixture(h.db);
    const response = await as(h.app, f.tokens.agent).get('/tickets/search');
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).details).toEqual([{ field: 'querystring.q', message: 'is required' }]);
  });
});

describe('GET /tickets/:id', () => {
  it('answers another organisation’s ticket exactly like a missing one', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const theirs = await seedTicket(other);
    const api = as(h.app, f.tokens.agent);
    const foreign = await api.get(`/tickets/${theirs.id}`);
    const missing = await api.get(`/tickets/${randomUUID()}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual(missing.json());
    expect(errorOf(foreign)).toEqual({ code: 'not_found', message: 'ticket not found' });
  });

  it('marks internal notes and shows the timeline; a closed ticket has no live SLA', async () => {
    const f = await createApiFixture(h.db);
    const { id } = await openViaApi(f);
    const api = as(h.app, f.tokens.agent);
    await api.post(`/tickets/${id}/messages`, { content: 'Checked the logs', internal: true });
    await api.patch(`/tickets/${id}`, { status: 'closed' });
    const detail = (await api.get(`/tickets/${id}`)).json();
    const note = detail.messages.find((m: { content: string }) => m.content === 'Checked the logs');
    expect(note).toMatchObject({ type: 'internal_note', internal: true, sender: { id: f.agent.id } });
    expect(detail.messages.some((m: { type: string }) => m.type === 'system')).toBe(true);
    expect(detail.activities.map((a: { action: string }) => a.action)).toEqual([
      'created',
      'message_added',
      'closed',
    ]);
    expect(detail.activities[2]).toMatchObject({
      user: { id: f.agent.id },
      metadata: { toStatus: 'closed' },
    });
    expect(detail.sla).toBeNull();
  });

  it('never returns a customer’s HTML unsanitised, whoever stored it', async () => {
    const f = await createApiFixture(h.db);
    const { id } = await openViaApi(f);
    const hostile =
      '<p onclick="steal()">Hi</p><script>alert(document.cookie)</script><img src=x onerror=alert(1)>';
    // Written around ingest's sanitiser, as a careless future writer might.
    await h.db.adminDb.insert(ticketMessages).values({ ticketId: id, content: 'Hi', contentHtml: hostile });
    await h.tickets.commands.customerMessage(id, {
      senderId: f.customer.id,
      content: 'Again',
      contentHtml: `<div>Again</div>${hostile}`,
      emailMessageId: `${randomUUID()}@customer.test`,
    });
    const response = await as(h.app, f.tokens.agent).get(`/tickets/${id}`);
    const html = response.json().messages.map((m: { contentHtml: string | null }) => m.contentHtml ?? '');
    expect(html.join('')).toContain('<p>Hi</p>');
    await expect
      .poll(async () => (await as(h.app, f.tokens.agent).get(`/tickets/${id}`)).body, { timeout: 10_000 })
      .toContain('Again');
    const body = (await as(h.app, f.tokens.agent).get(`/tickets/${id}`)).body;
    for (const bad of ['<script', 'onerror', 'onclick', 'steal()']) expect(body).not.toContain(bad);
  });
});

describe('PATCH /tickets/:id', () => {
  it('changes status, priority, tags and assignee through the workflow, with activities', async () => {
    const f = await createApiFixture(h.db);
    const { id } = await openViaApi(f);
    const api = as(h.app, f.tokens.agent);
    const changed = await api.patch(`/tickets/${id}`, {
      status: 'pending',
      priority: 'urgent',
      tags: ['billing', 'vip'],
      assigneeId: f.admin.id,
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      status: 'pending',
      priority: 'urgent',
      tags: ['billing', 'vip'],
      assignee: { id: f.admin.id, name: 'Ada Admin' },
    });
    const unassigned = await api.patch(`/tickets/${id}`, { assigneeId: null });
    expect(unassigned.json().assignee).toBeNull();

    const actions = await h.db.adminDb
      .select({ action: ticketActivities.action, userId: ticketActivities.userId })
      .from(ticketActivities)
      .where(eq(ticketActivities.ticketId, id));
    expect(actions.map((a) => a.action).sort()).toEqual(
      ['assigned', 'created', 'priority_changed', 'status_changed', 'tagged', 'unassigned'].sort(),
    );
    expect(actions.filter((a) => a.action !== 'created').every((a) => a.userId === f.agent.id)).toBe(true);
    const sla = await h.tickets.commands.slaState(id);
    expect(sla).toMatchObject({ status: 'pending', priority: 'urgent' });
  });

  it('refuses a transition the workflow does not allow with 409 and its reason', async () => {
    const f = await createApiFixture(h.db);
    const { id } = await openViaApi(f);
    const api = as(h.app, f.tokens.agent);
    expect((await api.patch(`/tickets/${id}`, { status: 'resolved' })).statusCode).toBe(200);
    const pending = await api.patch(`/tickets/${id}`, { status: 'pending' });
    expect(pending.statusCode).toBe(409);
    expect(errorOf(pending)).toEqual({
      code: 'conflict',
      message: 'cannot change status from resolved to pending',
    });
  });

  it('refuses any change to a closed ticket with 409', async () => {
    const f = await createApiFixture(h.db);
    const { id } = await openViaApi(f);
    const api = as(h.app, f.tokens.agent);
    expect((await api.patch(`/tickets/${id}`, { status: 'closed' })).statusCode).toBe(200);
    const reopen = await api.patch(`/tickets/${id}`, { status: 'open' });
    expect(reopen.statusCode).toBe(409);
    expect(errorOf(reopen)).toEqual({
      code: 'conflict',
      message: 'the ticket is closed; the customer can write again to open a new one',
    });
    const reprioritise = await api.patch(`/tickets/${id}`, { priority: 'high' });
    expect(reprioritise.statusCode).toBe(409);
  });

  it('validates the change, the assignee and the ticket', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const { id } = await openViaApi(f);
    const api = as(h.app, f.tokens.agent);
    const empty = await api.patch(`/tickets/${id}`, {});
    expect(errorOf(empty).details).toEqual([
      { field: 'body', message: 'must NOT have fewer than 1 properties' },
    ]);
    const badStatus = await api.patch(`/tickets/${id}`, { status: 'done' });
    expect(badStatus.statusCode).toBe(400);
    const tooManyTags = await api.patch(`/tickets/${id}`, {
      tags: Array.from({ length: 21 }, (_, i) => `t${i}`),
    });
    expect(errorOf(tooManyTags).details).toEqual([
      { field: 'body.tags', message: 'must NOT have more than 20 items' },
    ]);
    const customer = await api.patch(`/tickets/${id}`, { assigneeId: f.customer.id });
    expect(customer.statusCode).toBe(422);
    const foreign = await as(h.app, other.tokens.agent).patch(`/tickets/${id}`, { priority: 'low' });
    expect(foreign.statusCode).toBe(404);
    expect((await h.tickets.commands.slaState(id))?.priority).toBe('medium');
  });
});
