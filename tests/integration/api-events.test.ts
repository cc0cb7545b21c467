// GET /events (server-sent events) and ticket presence: live changes of one's own organisation only.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';
import { type EventStreamReader, openEventStream } from '../support/event-stream.js';

const h = useApiHarness();
let base: string;
let app: Awaited<ReturnType<typeof h.buildApp>>;
const streams: EventStreamReader[] = [];

beforeAll(async () => {
  app = await h.buildApp({ web: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(() => {
  for (const s of streams) s.close();
});

const until = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 30_000, interval: 50 });

async function stream(token: string) {
  const s = await openEventStream(`${base}/events`, { authorization: `Bearer ${token}` });
  streams.push(s);
  return s;
}

async function openTicket(f: ApiFixture, title: string) {
  const response = await as(app, f.tokens.agent).post('/tickets', {
    customer: { email: `c-${randomUUID().slice(0, 8)}@example.test` },
    title,
    description: 'Help',
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; ticketNumber: number };
}

const ticketEvents = (s: EventStreamReader) =>
  s.events.filter((e) => e.event === 'ticket').map((e) => e.data as { ticketId: string; action: string });

describe('GET /events', () => {
  it('needs a signed-in caller', async () => {
    const anonymous = await openEventStream(`${base}/events`, {});
    expect(anonymous.status).toBe(401);
    const customer = await stream((await createApiFixture(h.db)).tokens.customer);
    expect(customer.status).toBe(403);
  });

  it('streams the organisation’s ticket changes, and none of another organisation’s', async () => {
    const acme = await createApiFixture(h.db, 'Acme');
    const globex = await createApiFixture(h.db, 'Globex');
    const mine = await stream(acme.tokens.agent);
    const theirs = await stream(globex.tokens.agent);
    expect(mine.status).toBe(200);
    expect(mine.contentType).toMatch(/^text\/event-stream/);

    const ticket = await openTicket(acme, 'Printer on fire');
    await until(() =>
      expect(ticketEvents(mine)).toContainEqual(
        expect.objectContaining({ ticketId: ticket.id, action: 'created' }),
      ),
    );
    await as(app, acme.tokens.agent).post(`/tickets/${ticket.id}/messages`, { content: 'On it.' });
    await until(() =>
      expect(ticketEvents(mine)).toContainEqual(
        expect.objectContaining({ ticketId: ticket.id, action: 'message_added' }),
      ),
    );

    // Globex's stream polls the same table after Acme's rows were written: it sees its own ticket only.
    const own = await openTicket(globex, 'Invoice missing');
    await until(() => expect(ticketEvents(theirs).map((e) => e.ticketId)).toContain(own.id));
    expect(ticketEvents(theirs).every((e) => e.ticketId === own.id)).toBe(true);
    // Each change is sent once, however the polls overlap.
    const created = ticketEvents(mine).filter((e) => e.ticketId === ticket.id && e.action === 'created');
    expect(created).toHaveLength(1);
  });
});

describe('presence', () => {
  it('shows colleagues who view or type in a ticket, and nobody outside the organisation', async () => {
    const acme = await createApiFixture(h.db, 'Acme');
    const globex = await createApiFixture(h.db, 'Globex');
    const ticket = await openTicket(acme, 'Broken login');
    const colleague = await stream(acme.tokens.owner);
    const outsider = await stream(globex.tokens.agent);

    const put = await as(app, acme.tokens.agent).put(`/tickets/${ticket.id}/presence`, { state: 'typing' });
    expect(put.statusCode, put.body).toBe(204);
    await until(() => {
      const last = colleague.events.filter((e) => e.event === 'presence').at(-1)?.data as Record<
        string,
        unknown[]
      >;
      expect(last?.[ticket.id]).toEqual([{ userId: acme.agent.id, name: 'Adam Agent', state: 'typing' }]);
    });

    // Another organisation can neither announce itself on the ticket nor learn that it exists.
    const foreign = await as(app, globex.tokens.agent).put(`/tickets/${ticket.id}/presence`, {
      state: 'viewing',
    });
    expect(foreign.statusCode).toBe(404);
    expect(errorOf(foreign).code).toBe('not_found');
    const bad = await as(app, acme.tokens.agent).put(`/tickets/${ticket.id}/presence`, { state: 'lurking' });
    expect(bad.statusCode).toBe(400);
    await as(app, globex.tokens.agent).put(`/tickets/${randomUUID()}/presence`, { state: 'viewing' });

    await as(app, acme.tokens.agent).delete(`/tickets/${ticket.id}/presence`);
    await until(() => {
      const last = colleague.events.filter((e) => e.event === 'presence').at(-1)?.data as Record<
        string,
        unknown
      >;
      expect(last?.[ticket.id]).toBeUndefined();
    });
    const seenByOutsider = outsider.events.filter((e) => e.event === 'presence');
    expect(seenByOutsider.every((e) => Object.keys(e.data as object).length === 0)).toBe(true);
  });
});
