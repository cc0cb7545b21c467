import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { AddressObject } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { mailboxes, ticketActivities } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';
import type { CapturedMail } from '../support/smtp-sink.js';

const h = useApiHarness();

async function openTicket(f: ApiFixture) {
  const customer = `c-${randomUUID().slice(0, 8)}@example.test`;
  const response = await as(h.app, f.tokens.agent).post('/tickets', {
    customer: { email: customer, name: 'Carla Customer' },
    title: 'Cannot log in',
    description: 'The password is refused.',
  });
  expect(response.statusCode, response.body).toBe(201);
  return { ...(response.json() as { id: string; customerId: string }), customer };
}

const ccOf = (mail: CapturedMail) =>
  ((mail.parsed.cc as AddressObject | undefined)?.value ?? []).map((a) => a.address);

/** Sends a public reply carrying `marker` and returns the mail the sink received for it. */
async function replyAndCapture(f: ApiFixture, ticketId: string) {
  const marker = `marker-${randomUUID()}`;
  const sent = await as(h.app, f.tokens.agent).post(`/tickets/${ticketId}/messages`, { content: marker });
  expect(sent.statusCode, sent.body).toBe(201);
  return h.tickets.sink.waitFor((m) => (m.text ?? '').includes(marker));
}

describe('ticket participants', () => {
  it('lists the customer, adds and removes followers, each with an activity, and copies only current followers', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const api = as(h.app, f.tokens.agent);

    const initial = (await api.get(`/tickets/${ticket.id}/participants`)).json();
    expect(initial.data).toEqual([
      expect.objectContaining({
        email: ticket.customer,
        name: 'Carla Customer',
        role: 'customer',
        addedVia: 'agent',
      }),
    ]);

    const added = await api.post(`/tickets/${ticket.id}/participants`, {
      email: ' Dana.Colleague@Example.TEST ',
      name: 'Dana Colleague',
    });
    expect(added.statusCode, added.body).toBe(201);
    const dana = added.json();
    expect(dana).toMatchObject({
      email: 'dana.colleague@example.test',
      name: 'Dana Colleague',
      role: 'follower',
      addedVia: 'agent',
      addedByUserId: f.agent.id,
    });
    const eve = (await api.post(`/tickets/${ticket.id}/participants`, { email: 'eve@example.test' })).json();
    expect(eve.name).toBe('eve');
    expect(
      (await api.get(`/tickets/${ticket.id}/participants`))
        .json()
        .data.map((p: { email: string }) => p.email),
    ).toEqual([ticket.customer, 'dana.colleague@example.test', 'eve@example.test']);

    const withBoth = await replyAndCapture(f, ticket.id);
    expect(withBoth.envelope.to.sort()).toEqual(
      [ticket.customer, 'dana.colleague@example.test', 'eve@example.test'].sort(),
    );
    expect(ccOf(withBoth).sort()).toEqual(['dana.colleague@example.test', 'eve@example.test']);
    expect(withBoth.headers.get('cc')).toBeDefined();

    const removed = await api.delete(`/tickets/${ticket.id}/participants/${dana.id}`);
    expect(removed.statusCode, removed.body).toBe(204);
    expect(
      (await api.get(`/tickets/${ticket.id}/participants`))
        .json()
        .data.map((p: { email: string }) => p.email),
    ).toEqual([ticket.customer, 'eve@example.test']);
    const afterRemoval = await replyAndCapture(f, ticket.id);
    expect(ccOf(afterRemoval)).toEqual(['eve@example.test']);
    expect(afterRemoval.envelope.to).not.toContain('dana.colleague@example.test');

    // Added back by an agent: the same participant again.
    const again = await api.post(`/tickets/${ticket.id}/participants`, {
      email: 'dana.colleague@example.test',
    });
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(dana.id);

    const activities = await h.db.adminDb
      .select()
      .from(ticketActivities)
      .where(eq(ticketActivities.ticketId, ticket.id));
    const changes = activities
      .filter((a) => a.action === 'participant_added' || a.action === 'participant_removed')
      .map((a) => [a.action, a.metadata?.participantEmail, a.userId]);
    expect(changes).toEqual(
      expect.arrayContaining([
        ['participant_added', 'dana.colleague@example.test', f.agent.id],
        ['participant_added', 'eve@example.test', f.agent.id],
        ['participant_removed', 'dana.colleague@example.test', f.agent.id],
      ]),
    );
    expect(changes).toHaveLength(4);
    // The ticket's timeline shows them.
    const detail = (await api.get(`/tickets/${ticket.id}`)).json();
    expect(detail.activities.map((a: { action: string }) => a.action)).toContain('participant_removed');
  });

  it('refuses someone already there (409), bad addresses (422 or 400), and removing the customer (409)', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const api = as(h.app, f.tokens.agent);
    const [mailbox] = await h.db.adminDb
      .insert(mailboxes)
      .values({
        organizationId: f.org.id,
        name: 'Support',
        address: `help-${randomUUID().slice(0, 8)}@acme.test`,
      })
      .returning();
    const url = `/tickets/${ticket.id}/participants`;

    expect((await api.post(url, { email: 'frank@example.test' })).statusCode).toBe(201);
    const twice = await api.post(url, { email: 'FRANK@example.test' });
    expect(twice.statusCode).toBe(409);
    expect(errorOf(twice).code).toBe('conflict');
    expect((await api.post(url, { email: ticket.customer })).statusCode).toBe(409);

    for (const email of [
      'not an address',
      'two@@example.test',
      'nodomain@localhost',
      '<x@example.test>',
      'a@example.test, b@example.test',
      mailbox!.address,
      mailbox!.address.replace('@', '+tag@'),
      'noreply@example.test',
      'MAILER-DAEMON@example.test',
    ]) {
      const refused = await api.post(url, { email });
      expect(refused.statusCode, email).toBe(422);
      expect(errorOf(refused).code, email).toBe('unprocessable');
    }
    for (const body of [
      {},
      { email: '' },
      { email: 'x@example.test', extra: 1 },

      { email: `${'a'.repeat(320)}@example.test` },
    ]) {
      expect((await api.post(url, body)).statusCode, JSON.stringify(body)).toBe(400);
    }

    const [customer] = (await api.get(url)).json().data;
    const removing = await api.delete(`${url}/${customer.id}`);
    expect(removing.statusCode).toBe(409);
    expect((await api.delete(`${url}/${randomUUID()}`)).statusCode).toBe(404);
    expect((await api.delete(`${url}/not-a-uuid`)).statusCode).toBe(400);
    // Customers of the organisation may not touch them.
    expect((await as(h.app, f.tokens.customer).get(url)).statusCode).toBe(403);
  });

  it("answers 404 for another organisation's ticket or participant, and changes nothing of theirs", async () => {
    const mine = await createApiFixture(h.db, 'Mine');
    const theirs = await createApiFixture(h.db, 'Theirs');
    const myTicket = await openTicket(mine);
    const theirTicket = await openTicket(theirs);
    const theirApi = as(h.app, theirs.tokens.agent);
    const follower = (
      await theirApi.post(`/tickets/${theirTicket.id}/participants`, { email: 'grace@example.test' })
    ).json();
    const api = as(h.app, mine.tokens.owner);

    for (const [response, missing] of [
      [
        await api.get(`/tickets/${theirTicket.id}/participants`),
        await api.get(`/tickets/${randomUUID()}/participants`),
      ],
      [
        await api.post(`/tickets/${theirTicket.id}/participants`, { email: 'mallory@example.test' }),
        await api.post(`/tickets/${randomUUID()}/participants`, { email: 'mallory@example.test' }),
      ],
      [
        await api.delete(`/tickets/${theirTicket.id}/participants/${follower.id}`),
        await api.delete(`/tickets/${randomUUID()}/participants/${randomUUID()}`),
      ],
      // My ticket, their participant.
      [
        await api.delete(`/tickets/${myTicket.id}/participants/${follower.id}`),
        await api.delete(`/tickets/${myTicket.id}/participants/${randomUUID()}`),
      ],
    ] as const) {
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual(missing.json());
    }
    const theirList = (await theirApi.get(`/tickets/${theirTicket.id}/participants`)).json().data;
    expect(theirList.map((p: { email: string }) => p.email)).toEqual([
      theirTicket.customer,
      'grace@example.test',
    ]);
    const mineTouched = await h.db.adminDb
      .select()
      .from(ticketActivities)
      .where(and(eq(ticketActivities.ticketId, theirTicket.id), eq(ticketActivities.userId, mine.owner.id)));
    expect(mineTouched).toEqual([]);
  });
});
