import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createTicket } from '../../src/db/queries/tickets.js';
import { tickets } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';

const h = useApiHarness();

/** Tickets written straight to the database (ticket writes otherwise go through their workflow). */
async function seedTicket(f: ApiFixture, categoryId: string | null, title = 'Seeded') {
  return h.db.withTenant({ organizationId: f.org.id }, (tx) =>
    createTicket(tx, {
      organizationId: f.org.id,
      customerId: f.customer.id,
      title,
      description: 'x',
      categoryId,
    }),
  );
}

async function createCategory(f: ApiFixture, name: string, parentId?: string) {
  const response = await as(h.app, f.tokens.admin).post('/categories', { name, parentId });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; name: string; parentId: string | null };
}

describe('/categories', () => {
  it('lets admins create, list, rename, move and delete categories', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const billing = await createCategory(f, 'Billing');
    expect(billing).toMatchObject({ name: 'Billing', parentId: null });
    const refunds = await createCategory(f, 'Refunds', billing.id);
    expect(refunds.parentId).toBe(billing.id);
    const hardware = await createCategory(f, 'Hardware');

    const names = async (query = '') =>
      (await as(h.app, f.tokens.agent).get(`/categories${query}`))
        .json()
        .data.map((c: { name: string }) => c.name);
    expect(await names()).toEqual(['Billing', 'Refunds', 'Hardware']);
    expect(await names(`?parentId=${billing.id}`)).toEqual(['Refunds']);
    expect((await as(h.app, f.tokens.agent).get(`/categories/${refunds.id}`)).json()).toMatchObject({
      name: 'Refunds',
      parentId: billing.id,
    });

    const moved = await admin.patch(`/categories/${refunds.id}`, { name: 'Returns', parentId: hardware.id });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ name: 'Returns', parentId: hardware.id });
    const topLevel = await admin.patch(`/categories/${refunds.id}`, { parentId: null });
    expect(topLevel.json().parentId).toBeNull();

    expect((await admin.delete(`/categories/${refunds.id}`)).statusCode).toBe(204);
    expect((await admin.get(`/categories/${refunds.id}`)).statusCode).toBe(404);
    expect((await admin.delete(`/categories/${randomUUID()}`)).statusCode).toBe(404);
  });

  it('nests one level deep only', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const parent = await createCategory(f, 'Billing');
    const child = await createCategory(f, 'Refunds', parent.id);
    const other = await createCategory(f, 'Hardware');

    const grandchild = await admin.post('/categories', { name: 'Late refunds', parentId: child.id });
    expect(grandchild.statusCode).toBe(422);
    expect(errorOf(grandchild).message).toBe('categories nest one level deep: the parent is a subcategory');
    const moveUnderChild = await admin.patch(`/categories/${other.id}`, { parentId: child.id });
    expect(moveUnderChild.statusCode).toBe(422);
    const moveParent = await admin.patch(`/categories/${parent.id}`, { parentId: other.id });
    expect(moveParent.statusCode).toBe(422);
    expect(errorOf(moveParent).message).toBe(
      'categories nest one level deep: this category has subcategories',
    );
    const ownParent = await admin.patch(`/categories/${other.id}`, { parentId: other.id });
    expect(errorOf(ownParent).message).toBe('a category cannot be its own parent');
    const unknownParent = await admin.post('/categories', { name: 'X', parentId: randomUUID() });
    expect(unknownParent.statusCode).toBe(422);

    const withChildren = await admin.delete(`/categories/${parent.id}`);
    expect(withChildren.statusCode).toBe(409);
    expect((await admin.delete(`/categories/${child.id}`)).statusCode).toBe(204);
    expect((await admin.delete(`/categories/${parent.id}`)).statusCode).toBe(204);
  });

  it('validates categories and keeps names unique at one place', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const empty = await admin.post('/categories', { name: '' });
    expect(empty.statusCode).toBe(400);
    expect(errorOf(empty).details).toEqual([
      { field: 'body.name', message: 'must NOT have fewer than 1 characters' },
    ]);
    const badParent = await admin.post('/categories', { name: 'X', parentId: 'nope' });
    expect(badParent.statusCode).toBe(400);
    const extra = await admin.post('/categories', { name: 'X', colour: 'red' });
    expect(extra.statusCode).toBe(400);

    const billing = await createCategory(f, 'Billing');
    const hardware = await createCategory(f, 'Hardware');
    expect((await admin.post('/categories', { name: 'Billing' })).statusCode).toBe(409);
    // The same name under two parents is fine, twice under one is not.
    await createCategory(f, 'Other', billing.id);
    await createCategory(f, 'Other', hardware.id);
    expect((await admin.post('/categories', { name: 'Other', parentId: billing.id })).statusCode).toBe(409);
    expect((await admin.patch(`/categories/${hardware.id}`, { name: 'Billing' })).statusCode).toBe(409);
    expect((await admin.patch(`/categories/${hardware.id}`, {})).statusCode).toBe(400);
  });

  it('lets agents read but not write, and refuses customers', async () => {
    const f = await createApiFixture(h.db);
    const billing = await createCategory(f, 'Billing');
    const agent = as(h.app, f.tokens.agent);
    expect((await agent.get('/categories')).statusCode).toBe(200);
    expect((await agent.post('/categories', { name: 'X' })).statusCode).toBe(403);
    expect((await agent.patch(`/categories/${billing.id}`, { name: 'X' })).statusCode).toBe(403);
    expect((await agent.delete(`/categories/${billing.id}`)).statusCode).toBe(403);
    expect((await as(h.app, f.tokens.customer).get('/categories')).statusCode).toBe(403);
    expect((await as(h.app, f.tokens.owner).post('/categories', { name: 'Owner made' })).statusCode).toBe(
      201,
    );
  });

  it('answers 404 for another organisation’s categories and hides them', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const theirs = await createCategory(other, 'Secret');
    const admin = as(h.app, f.tokens.admin);
    expect((await admin.get(`/categories/${theirs.id}`)).statusCode).toBe(404);
    expect((await admin.patch(`/categories/${theirs.id}`, { name: 'Mine' })).statusCode).toBe(404);
    expect((await admin.delete(`/categories/${theirs.id}`)).statusCode).toBe(404);
    expect((await admin.get('/categories')).json().data).toEqual([]);
    // Nor can one be used as a parent.
    expect((await admin.post('/categories', { name: 'X', parentId: theirs.id })).statusCode).toBe(422);
    expect((await as(h.app, other.tokens.agent).get(`/categories/${theirs.id}`)).statusCode).toBe(200);
  });
});

describe('tickets by category', () => {
  it('filters GET /tickets by a category and its subcategories', async () => {
    const f = await createApiFixture(h.db);
    const billing = await createCategory(f, 'Billing');
    const refunds = await createCategory(f, 'Refunds', billing.id);
    const hardware = await createCategory(f, 'Hardware');
    await seedTicket(f, billing.id, 'Invoice wrong');
    await seedTicket(f, refunds.id, 'Money back');
    await seedTicket(f, hardware.id, 'Printer on fire');
    await seedTicket(f, null, 'Hello');

    const titles = async (categoryId: string) => {
      const response = await as(h.app, f.tokens.agent).get(
        `/tickets?categoryId=${categoryId}&sort=created&order=asc`,
      );
      expect(response.statusCode, response.body).toBe(200);
      return response.json().data.map((t: { title: string }) => t.title);
    };
    expect(await titles(billing.id)).toEqual(['Invoice wrong', 'Money back']);
    expect(await titles(refunds.id)).toEqual(['Money back']);
    expect(await titles(hardware.id)).toEqual(['Printer on fire']);
    expect(await titles(randomUUID())).toEqual([]);
    const one = (await as(h.app, f.tokens.agent).get(`/tickets?categoryId=${refunds.id}`)).json().data[0];
    expect(one.categoryId).toBe(refunds.id);
    const bad = await as(h.app, f.tokens.agent).get('/tickets?categoryId=billing');
    expect(bad.statusCode).toBe(400);
  });

  it('never matches another organisation’s category', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const theirs = await createCategory(other, 'Secret');
    await seedTicket(other, theirs.id);
    const response = await as(h.app, f.tokens.agent).get(`/tickets?categoryId=${theirs.id}`);
    expect(response.json().data).toEqual([]);
  });

  it('leaves tickets uncategorised when their category is deleted, and counts them in GET /stats', async () => {
    const f = await createApiFixture(h.db);
    const billing = await createCategory(f, 'Billing');
    const refunds = await createCategory(f, 'Refunds', billing.id);
    const hardware = await createCategory(f, 'Hardware');
    const ticket = await seedTicket(f, hardware.id);
    await seedTicket(f, hardware.id);
    await seedTicket(f, refunds.id);
    await seedTicket(f, null);

    const byCategory = async () => (await as(h.app, f.tokens.agent).get('/stats')).json().byCategory;
    expect(await byCategory()).toEqual([
      { categoryId: billing.id, name: 'Billing', parentId: null, total: 0 },
      { categoryId: hardware.id, name: 'Hardware', parentId: null, total: 2 },
      { categoryId: refunds.id, name: 'Refunds', parentId: billing.id, total: 1 },
      { categoryId: null, name: null, parentId: null, total: 1 },
    ]);

    expect((await as(h.app, f.tokens.admin).delete(`/categories/${hardware.id}`)).statusCode).toBe(204);
    const [row] = await h.db.adminDb.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(row!.categoryId).toBeNull();
    expect(await byCategory()).toEqual([
      { categoryId: billing.id, name: 'Billing', parentId: null, total: 0 },
      { categoryId: refunds.id, name: 'Refunds', parentId: billing.id, total: 1 },
      { categoryId: null, name: null, parentId: null, total: 3 },
    ]);
  });
});
