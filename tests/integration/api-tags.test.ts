import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createTicket } from '../../src/db/queries/tickets.js';
import { ticketActivities, tickets } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';

const h = useApiHarness();

/** Tickets written straight to the database (ticket writes otherwise go through their workflow). */
async function seedTicket(f: ApiFixture, tagNames: string[]) {
  return h.db.withTenant({ organizationId: f.org.id }, (tx) =>
    createTicket(tx, {
      organizationId: f.org.id,
      customerId: f.customer.id,
      title: 'Seeded',
      description: 'x',
      tags: tagNames,
    }),
  );
}

async function createTag(f: ApiFixture, name: string, colour?: string) {
  const response = await as(h.app, f.tokens.admin).post('/tags', { name, colour });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; name: string; colour: string };
}

async function tagsOf(id: string) {
  const [row] = await h.db.adminDb.select({ tags: tickets.tags }).from(tickets).where(eq(tickets.id, id));
  return row!.tags;
}

async function taggedActivities(ticketIds: string[]) {
  return h.db.adminDb
    .select({
      ticketId: ticketActivities.ticketId,
      userId: ticketActivities.userId,
      metadata: ticketActivities.metadata,
    })
    .from(ticketActivities)
    .where(and(inArray(ticketActivities.ticketId, ticketIds), eq(ticketActivities.action, 'tagged')));
}

describe('/tags', () => {
  it('lets admins create, list, recolour and delete tags', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const billing = await createTag(f, 'billing', '#E11D48');
    expect(billing).toMatchObject({ name: 'billing', colour: '#e11d48' });
    expect((await createTag(f, 'hardware')).colour).toBe('#6b7280');

    const agent = as(h.app, f.tokens.agent);
    const names = async (query = '') =>
      (await agent.get(`/tags${query}`)).json().data.map((t: { name: string }) => t.name);
    expect(await names()).toEqual(['billing', 'hardware']);
    expect(await names('?search=bill')).toEqual(['billing']);
    expect((await agent.get(`/tags/${billing.id}`)).json().name).toBe('billing');

    const recoloured = await admin.patch(`/tags/${billing.id}`, { colour: '#00ff00' });
    expect(recoloured.statusCode).toBe(200);
    expect(recoloured.json()).toMatchObject({ name: 'billing', colour: '#00ff00' });

    const ticket = await seedTicket(f, ['billing']);
    expect((await admin.delete(`/tags/${billing.id}`)).statusCode).toBe(204);
    expect((await agent.get(`/tags/${billing.id}`)).statusCode).toBe(404);
    // The vocabulary entry goes; tickets keep the tag.
    expect(await tagsOf(ticket.id)).toEqual(['billing']);
    expect((await admin.delete(`/tags/${randomUUID()}`)).statusCode).toBe(404);
  });

  it('renames a tag on every ticket in one go, with a tagged activity each', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const bug = await createTag(f, 'bug');
    const a = await seedTicket(f, ['urgent', 'bug', 'vip']);
    const b = await seedTicket(f, ['bug', 'defect']);
    const untouched = await seedTicket(f, ['vip']);
    const theirs = await seedTicket(other, ['bug']);

    const renamed = await as(h.app, f.tokens.admin).patch(`/tags/${bug.id}`, { name: 'defect' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().name).toBe('defect');
    expect(await tagsOf(a.id)).toEqual(['urgent', 'defect', 'vip']);
    expect(await tagsOf(b.id)).toEqual(['defect']);
    expect(await tagsOf(untouched.id)).toEqual(['vip']);
    expect(await tagsOf(theirs.id)).toEqual(['bug']);

    const activities = await taggedActivities([a.id, b.id, untouched.id, theirs.id]);
    expect(activities).toHaveLength(2);
    expect(activities.find((x) => x.ticketId === a.id)).toEqual({
      ticketId: a.id,
      userId: f.admin.id,
      metadata: { addedTags: ['defect'], removedTags: ['bug'] },
    });
    expect(activities.find((x) => x.ticketId === b.id)?.metadata).toEqual({
      addedTags: [],
      removedTags: ['bug'],
    });
    const filtered = await as(h.app, f.tokens.agent).get('/tickets?tag=defect');
    expect(filtered.json().pagination.total).toBe(2);
  });

  it('merges one tag into another and deletes it', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const bug = await createTag(f, 'bug');
    const defect = await createTag(f, 'defect');
    const a = await seedTicket(f, ['bug']);
    const b = await seedTicket(f, ['defect', 'bug']);

    const merged = await admin.post(`/tags/${bug.id}/merge`, { intoId: defect.id });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json()).toMatchObject({ tag: { id: defect.id, name: 'defect' }, ticketsChanged: 2 });
    expect(await tagsOf(a.id)).toEqual(['defect']);
    expect(await tagsOf(b.id)).toEqual(['defect']);
    expect((await admin.get(`/tags/${bug.id}`)).statusCode).toBe(404);
    expect(await taggedActivities([a.id, b.id])).toHaveLength(2);

    const self = await admin.post(`/tags/${defect.id}/merge`, { intoId: defect.id });
    expect(self.statusCode).toBe(422);
    const missing = await admin.post(`/tags/${defect.id}/merge`, { intoId: randomUUID() });
    expect(errorOf(missing).message).toBe('no such tag to merge into');
  });

  it('validates tags and keeps names unique', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const badColour = await admin.post('/tags', { name: 'x', colour: 'red' });
    expect(badColour.statusCode).toBe(400);
    expect(errorOf(badColour).details).toEqual([
      { field: 'body.colour', message: 'must match pattern "^#[0-9a-fA-F]{6}$"' },
    ]);
    expect((await admin.post('/tags', { name: '' })).statusCode).toBe(400);
    expect((await admin.post('/tags', { name: 'x'.repeat(51) })).statusCode).toBe(400);
    const bug = await createTag(f, 'bug');
    const other = await createTag(f, 'other');
    const duplicate = await admin.post('/tags', { name: 'bug' });
    expect(duplicate.statusCode).toBe(409);
    expect((await admin.patch(`/tags/${other.id}`, { name: 'bug' })).statusCode).toBe(409);
    expect((await admin.patch(`/tags/${bug.id}`, {})).statusCode).toBe(400);
    expect((await admin.post(`/tags/${bug.id}/merge`, { intoId: 'nope' })).statusCode).toBe(400);
  });

  it('lets agents read but not write, and refuses customers', async () => {
    const f = await createApiFixture(h.db);
    const bug = await createTag(f, 'bug');
    const other = await createTag(f, 'other');
    const agent = as(h.app, f.tokens.agent);
    expect((await agent.get('/tags')).statusCode).toBe(200);
    expect((await agent.post('/tags', { name: 'x' })).statusCode).toBe(403);
    expect((await agent.patch(`/tags/${bug.id}`, { name: 'x' })).statusCode).toBe(403);
    expect((await agent.post(`/tags/${bug.id}/merge`, { intoId: other.id })).statusCode).toBe(403);
    expect((await agent.delete(`/tags/${bug.id}`)).statusCode).toBe(403);
    expect((await as(h.app, f.tokens.customer).get('/tags')).statusCode).toBe(403);
  });

  it('answers 404 for another organisation’s tags and never merges into one', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const theirs = await createTag(other, 'secret');
    const mine = await createTag(f, 'mine');
    const admin = as(h.app, f.tokens.admin);
    expect((await admin.get(`/tags/${theirs.id}`)).statusCode).toBe(404);
    expect((await admin.patch(`/tags/${theirs.id}`, { name: 'x' })).statusCode).toBe(404);
    expect((await admin.post(`/tags/${theirs.id}/merge`, { intoId: mine.id })).statusCode).toBe(404);
    expect((await admin.delete(`/tags/${theirs.id}`)).statusCode).toBe(404);
    expect((await admin.post(`/tags/${mine.id}/merge`, { intoId: theirs.id })).statusCode).toBe(422);
    expect((await admin.get('/tags')).json().data.map((t: { name: string }) => t.name)).toEqual(['mine']);
    expect((await as(h.app, other.tokens.agent).get(`/tags/${theirs.id}`)).json().name).toBe('secret');
  });
});
