import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';

const h = useApiHarness();

const greeting = {
  title: 'Greeting',
  content: 'Hello {{customer.name}}',
  shortcut: '/hello',
  category: 'general',
};

describe('/canned-responses', () => {
  it('lets agents create, list, search, change and delete them', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.agent);
    const created = await api.post('/canned-responses', greeting);
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    expect(created.json()).toMatchObject({ ...greeting, createdById: f.agent.id });
    await api.post('/canned-responses', {
      title: 'Refund policy',
      content: 'We refund within 30 days.',
      category: 'billing',
    });

    const titles = async (query: string) =>
      (await api.get(`/canned-responses${query}`)).json().data.map((c: { title: string }) => c.title);
    expect(await titles('')).toEqual(['Greeting', 'Refund policy']);
    expect(await titles('?category=billing')).toEqual(['Refund policy']);
    expect(await titles('?search=hel')).toEqual(['Greeting']);
    expect(await titles('?search=%25')).toEqual([]);

    const changed = await api.patch(`/canned-responses/${id}`, {
      content: 'Hi {{customer.name}}',
      category: null,
    });
    expect(changed.json()).toMatchObject({
      content: 'Hi {{customer.name}}',
      category: null,
      shortcut: '/hello',
    });
    expect((await api.get(`/canned-responses/${id}`)).json().content).toBe('Hi {{customer.name}}');
    expect((await api.delete(`/canned-responses/${id}`)).statusCode).toBe(204);
    expect((await api.get(`/canned-responses/${id}`)).statusCode).toBe(404);
    expect((await api.delete(`/canned-responses/${randomUUID()}`)).statusCode).toBe(404);
  });

  it('keeps shortcuts unique within the organisation', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const api = as(h.app, f.tokens.agent);
    await api.post('/canned-responses', greeting);
    const duplicate = await api.post('/canned-responses', { ...greeting, title: 'Copy' });
    expect(duplicate.statusCode).toBe(409);
    expect(errorOf(duplicate).message).toBe('the shortcut /hello is already used');
    expect((await as(h.app, other.tokens.agent).post('/canned-responses', greeting)).statusCode).toBe(201);
    const second = (await api.post('/canned-responses', { ...greeting, shortcut: '/bye' })).json();
    expect((await api.patch(`/canned-responses/${second.id}`, { shortcut: '/hello' })).statusCode).toBe(409);
    expect(
      (await api.patch(`/canned-responses/${second.id}`, { shortcut: '/bye', title: 'Bye' })).statusCode,
    ).toBe(200);
  });

  it('validates canned responses', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.agent);
    const badShortcut = await api.post('/canned-responses', { ...greeting, shortcut: 'hello world' });
    expect(errorOf(badShortcut).details).toEqual([
      { field: 'body.shortcut', message: 'must match pattern "^/[\\w-]+$"' },
    ]);
    const noContent = await api.post('/canned-responses', { title: 'x' });
    expect(errorOf(noContent).details).toEqual([{ field: 'body.content', message: 'is required' }]);
    const { id } = (await api.post('/canned-responses', greeting)).json();
    expect((await api.patch(`/canned-responses/${id}`, {})).statusCode).toBe(400);
  });
});
