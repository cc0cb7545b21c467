// Input that passes the route schemas but that PostgreSQL or Fastify's router refuses: answered as the
// caller's error in the shared shape, never a 500 (found by tests/reliability/api-fuzz.test.ts).
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tickets } from '../../src/db/schema/index.js';
import { as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';

const h = useApiHarness();

describe('hostile input', () => {
  it('refuses NUL characters anywhere in the input, naming the field, and stores nothing', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.agent);
    const ticket = await api.post('/tickets', {
      customer: { email: 'casey@customer.test', name: 'Casey\0' },
      title: 'Printer\0jammed',
      description: 'It jams',
    });
    expect(ticket.statusCode).toBe(400);
    expect(errorOf(ticket)).toMatchObject({ code: 'validation_failed' });
    expect(errorOf(ticket).details).toEqual(
      expect.arrayContaining([
        { field: 'body.title', message: 'must not contain NUL (U+0000) characters' },
        { field: 'body.customer.name', message: 'must not contain NUL (U+0000) characters' },
      ]),
    );
    expect(await h.db.adminDb.select().from(tickets).where(eq(tickets.organizationId, f.org.id))).toEqual([]);

    // Inside jsonb (a saved filter's query) PostgreSQL refuses it too (22P05).
    const filter = await api.post('/saved-filters', { name: 'Mine', query: { tag: 'a\0b' } });
    expect(filter.statusCode).toBe(400);
    expect(errorOf(filter).details).toEqual([
      { field: 'body.query.tag', message: 'must not contain NUL (U+0000) characters' },
    ]);

    const search = await api.get('/tickets/search?q=a%00b');
    expect(search.statusCode).toBe(400);
    expect(errorOf(search).details).toEqual([
      { field: 'querystring.q', message: 'must not contain NUL (U+0000) characters' },
    ]);
  });

  it('answers URLs the router refuses (too long a parameter, bad escapes) as 400 in the error shape', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.agent);
    const long = await api.get(`/tickets/${'0'.repeat(200)}`);
    expect(long.statusCode).toBe(400);
    expect(errorOf(long)).toMatchObject({ code: 'bad_request' });
    expect(errorOf(long).message).toContain('exceeding the max param length');

    const badEscape = await api.get('/tickets/%E0%A4%A');
    expect(badEscape.statusCode).toBe(400);
    expect(errorOf(badEscape)).toMatchObject({ code: 'bad_request' });
  });
});
