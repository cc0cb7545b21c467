import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTicket } from '../../src/db/queries/tickets.js';
import type { tickets } from '../../src/db/schema/index.js';
import {
  type ApiFixture,
  addMember,
  as,
  createApiFixture,
  errorOf,
  tokenFor,
  useApiHarness,
} from '../support/api.js';

const h = useApiHarness();

/** Tickets written straight to the database: listing needs no workflow. */
async function seedTicket(f: ApiFixture, values: Partial<typeof tickets.$inferInsert>) {
  return h.db.withTenant({ organizationId: f.org.id }, (tx) =>
    createTicket(tx, {
      organizationId: f.org.id,
      customerId: f.customer.id,
      title: 'T',
      description: 'x',
      ...values,
    }),
  );
}

async function saveFilter(token: string, body: Record<string, unknown>) {
  const response = await as(h.app, token).post('/saved-filters', body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; name: string; query: Record<string, unknown>; shared: boolean };
}

const titles = (body: { data: { title: string }[] }) => body.data.map((t) => t.title);

describe('/saved-filters', () => {
  it('saves, lists, changes and deletes a user’s filters', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.agent);
    const urgent = await saveFilter(f.tokens.agent, {
      name: 'Urgent open',
      query: { status: ['open', 'pending'], priority: ['urgent'], sort: 'priority' },
    });
    expect(urgent).toMatchObject({
      name: 'Urgent open',
      shared: false,
      ownerId: f.agent.id,
      query: { status: ['open', 'pending'], priority: ['urgent'], sort: 'priority' },
    });
    await saveFilter(f.tokens.agent, { name: 'Breached', query: { slaBreached: true }, shared: true });
    expect((await api.get('/saved-filters')).json().data.map((s: { name: string }) => s.name)).toEqual([
      'Breached',
      'Urgent open',
    ]);
    const changed = await api.patch(`/saved-filters/${urgent.id}`, { query: { tag: 'vip' }, shared: true });
    expect(changed.json()).toMatchObject({ query: { tag: 'vip' }, shared: true, name: 'Urgent open' });
    expect((await api.get(`/saved-filters/${urgent.id}`)).json().query).toEqual({ tag: 'vip' });
    expect((await api.delete(`/saved-filters/${urgent.id}`)).statusCode).toBe(204);
    expect((await api.get(`/saved-filters/${urgent.id}`)).statusCode).toBe(404);
    expect((await api.delete(`/saved-filters/${randomUUID()}`)).statusCode).toBe(404);
  });

  it('keeps private filters private and lets only owners or admins change shared ones', async () => {
    const f = await createApiFixture(h.db);
    const colleague = await addMember(h.db, f, 'Colin Colleague', 'agent');
    const colleagueToken = await tokenFor(h.db, f, colleague);
    const mine = await saveFilter(f.tokens.agent, { name: 'Mine', query: { tag: 'a' } });
    const shared = await saveFilter(f.tokens.agent, { name: 'Team', query: { tag: 'b' }, shared: true });

    const other = as(h.app, colleagueToken);
    expect((await other.get('/saved-filters')).json().data.map((s: { name: string }) => s.name)).toEqual([
      'Team',
    ]);
    expect((await other.get(`/saved-filters/${mine.id}`)).statusCode).toBe(404);
    expect((await other.patch(`/saved-filters/${mine.id}`, { name: 'Stolen' })).statusCode).toBe(404);
    expect((await other.delete(`/saved-filters/${mine.id}`)).statusCode).toBe(404);
    expect((await other.get(`/tickets?savedFilter=${mine.id}`)).statusCode).toBe(404);
    expect(errorOf(await other.get(`/tickets?savedFilter=${mine.id}`)).message).toBe(
      'saved filter not found',
    );

    expect((await other.get(`/saved-filters/${shared.id}`)).statusCode).toBe(200);
    expect((await other.get(`/tickets?savedFilter=${shared.id}`)).statusCode).toBe(200);
    expect((await other.patch(`/saved-filters/${shared.id}`, { name: 'Mine now' })).statusCode).toBe(403);
    expect((await other.delete(`/saved-filters/${shared.id}`)).statusCode).toBe(403);
    // The same name is fine for another user.
    await saveFilter(colleagueToken, { name: 'Team', query: {} });

    const admin = as(h.app, f.tokens.admin);
    expect((await admin.get(`/saved-filters/${mine.id}`)).statusCode).toBe(404);
    expect((await admin.patch(`/saved-filters/${shared.id}`, { name: 'Team (tidied)' })).statusCode).toBe(
      200,
    );
    expect((await admin.delete(`/saved-filters/${shared.id}`)).statusCode).toBe(204);
    expect((await as(h.app, f.tokens.customer).get('/saved-filters')).statusCode).toBe(403);
  });

  it('validates the stored query against GET /tickets and refuses duplicate names', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.agent);
    const badStatus = await api.post('/saved-filters', { name: 'X', query: { status: ['sleeping'] } });
    expect(badStatus.statusCode).toBe(400);
    const unknown = await api.post('/saved-filters', { name: 'X', query: { colour: 'red' } });
    expect(unknown.statusCode).toBe(400);
    const badLimit = await api.post('/saved-filters', { name: 'X', query: { limit: 1000 } });
    expect(errorOf(badLimit).details).toEqual([{ field: 'body.query.limit', message: 'must be <= 100' }]);
    const nested = await api.post('/saved-filters', { name: 'X', query: { page: 2 } });
    expect(nested.statusCode).toBe(400);
    expect((await api.post('/saved-filters', { query: {} })).statusCode).toBe(400);
    const kept = await saveFilter(f.tokens.agent, { name: 'X', query: {} });
    expect((await api.post('/saved-filters', { name: 'X', query: {} })).statusCode).toBe(409);
    expect((await api.patch(`/saved-filters/${kept.id}`, {})).statusCode).toBe(400);
    expect((await api.get('/tickets?savedFilter=nope')).statusCode).toBe(400);
  });

  it('applies a saved filter to GET /tickets, explicit parameters overriding it', async () => {
    const f = await createApiFixture(h.db);
    await seedTicket(f, { title: 'Urgent open', status: 'open', priority: 'urgent', tags: ['vip'] });
    await seedTicket(f, { title: 'Urgent pending', status: 'pending', priority: 'urgent' });
    await seedTicket(f, { title: 'Low open', status: 'open', priority: 'low', tags: ['vip'] });
    const filter = await saveFilter(f.tokens.agent, {
      name: 'Urgent',
      query: { priority: ['urgent'], sort: 'created', order: 'asc', limit: 1 },
      shared: true,
    });
    const api = as(h.app, f.tokens.agent);
    const applied = (await api.get(`/tickets?savedFilter=${filter.id}`)).json();
    expect(titles(applied)).toEqual(['Urgent open']);
    expect(applied.pagination).toEqual({ page: 1, limit: 1, total: 2, totalPages: 2 });
    expect(titles((await api.get(`/tickets?savedFilter=${filter.id}&page=2`)).json())).toEqual([
      'Urgent pending',
    ]);
    expect(titles((await api.get(`/tickets?savedFilter=${filter.id}&limit=10&order=desc`)).json())).toEqual([
      'Urgent pending',
      'Urgent open',
    ]);
    expect(titles((await api.get(`/tickets?savedFilter=${filter.id}&priority=low`)).json())).toEqual([
      'Low open',
    ]);
    expect(titles((await api.get(`/tickets?savedFilter=${filter.id}&tag=vip&limit=5`)).json())).toEqual([
      'Urgent open',
    ]);
  });

  it('answers 404 for another organisation’s filters, even shared ones', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const theirs = await saveFilter(other.tokens.agent, { name: 'Theirs', query: {}, shared: true });
    const api = as(h.app, f.tokens.owner);
    expect((await api.get(`/saved-filters/${theirs.id}`)).statusCode).toBe(404);
    expect((await api.patch(`/saved-filters/${theirs.id}`, { name: 'x' })).statusCode).toBe(404);
    expect((await api.delete(`/saved-filters/${theirs.id}`)).statusCode).toBe(404);
    expect((await api.get(`/tickets?savedFilter=${theirs.id}`)).statusCode).toBe(404);
    expect((await api.get('/saved-filters')).json().data).toEqual([]);
  });
});
