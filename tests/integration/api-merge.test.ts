// Merging a duplicate ticket into another, end to end: mail in through the real pipeline (POST /inbound),
// ticket workflows on the Temporal dev server, PostgreSQL, and the API.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { as, tokenFor } from '../support/api.js';
import { createOrganizationFixture, type OrganizationFixture } from '../support/db.js';
import { useInboundApi } from '../support/inbound-api.js';
import { customerEmail, eventually, messagesOf, ticketsOf } from '../support/ingest-harness.js';

const stack = useInboundApi();

const inbound = (raw: string) => stack.inbound(raw);

/** Two tickets of one customer (the second email is not a reply: a duplicate of the same problem). */
async function twoTickets(f: OrganizationFixture, word: string) {
  const mailbox = await stack.h.createMailbox(f.org.id);
  const firstId = `${randomUUID()}@customer.test`;
  const from = `Carla <carla-${word}@customer.test>`;
  expect(
    (
      await inbound(
        customerEmail({
          from,
          to: mailbox.address,
          subject: `Printer ${word}`,
          body: `It jams: ${word}`,
          messageId: firstId,
        }),
      )
    ).json().outcome,
  ).toBe('ticket_created');
  expect(
    (
      await inbound(
        customerEmail({ from, to: mailbox.address, subject: 'Printer again', body: 'Still jammed' }),
      )
    ).json().outcome,
  ).toBe('ticket_created');
  const rows = await eventually(async () => {
    const found = await ticketsOf(stack.h.db, f.org.id);
    expect(found).toHaveLength(2);
    return found;
  });
  const source = rows.find((t) => t.title === `Printer ${word}`)!;
  const target = rows.find((t) => t.title === 'Printer again')!;
  return { mailbox, from, firstId, source, target };
}

describe('POST /tickets/:id/merge', () => {
  it('moves the conversation, closes the source, ends its workflow; later mail and search find the target', async () => {
    const f = await createOrganizationFixture(stack.h.db);
    const agent = as(stack.app, await tokenFor(stack.h.db, f, f.agent));
    const word = `zebra${randomUUID().slice(0, 6)}`;
    const { mailbox, from, firstId, source, target } = await twoTickets(f, word);
    const before = (await messagesOf(stack.h.db, source.id)).length;

    const merged = await agent.post(`/tickets/${source.id}/merge`, { targetTicketId: target.id });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json()).toEqual({
      mergedInto: { id: target.id, ticketNumber: target.ticketNumber },
      movedMessages: before,
    });

    expect(await messagesOf(stack.h.db, source.id)).toEqual([]);
    const detail = (await agent.get(`/tickets/${target.id}`)).json();
    expect(detail.messages.map((m: { content: string }) => m.content)).toContain(`It jams: ${word}`);
    expect(detail.activities).toContainEqual(
      expect.objectContaining({
        action: 'merged',
        metadata: { mergedFromId: source.id, mergedFromNumber: source.ticketNumber },
      }),
    );
    const closed = (await agent.get(`/tickets/${source.id}`)).json();
    expect(closed.status).toBe('closed');
    expect(closed.activities).toContainEqual(
      expect.objectContaining({
        action: 'merged',
        metadata: { mergedIntoId: target.id, mergedIntoNumber: target.ticketNumber },
      }),
    );
    await eventually(async () => expect(await stack.h.tickets.commands.isRunning(source.id)).toBe(false));
    // The target's clocks run on, untouched.
    expect((await stack.h.tickets.commands.slaState(target.id))?.status).toBe('open');

    // The customer answers the first email: it threads into the target, no new ticket.
    const answer = await inbound(
      customerEmail({
        from,
        to: mailbox.address,
        subject: `Re: Printer ${word}`,
        body: 'Any news?',
        inReplyTo: firstId,
        references: [firstId],
      }),
    );
    expect(answer.statusCode, answer.body).toBe(202);
    await eventually(async () =>
      expect((await messagesOf(stack.h.db, target.id)).map((m) => m.content)).toContain('Any news?'),
    );
    expect(await ticketsOf(stack.h.db, f.org.id)).toHaveLength(2);

    // The source's words find the target, once.
    const search = await agent.get(`/tickets/search?q=${word}`);
    expect(search.statusCode, search.body).toBe(200);
    expect(search.json().data.map((hit: { id: string }) => hit.id)).toEqual([target.id]);
  }, 120_000);

  it('refuses what cannot be merged, in words, and changes nothing', async () => {
    const f = await createOrganizationFixture(stack.h.db);
    const other = await createOrganizationFixture(stack.h.db);
    const agent = as(stack.app, await tokenFor(stack.h.db, f, f.agent));
    const { source, target } = await twoTickets(f, `refuse${randomUUID().slice(0, 6)}`);
    const { target: foreign } = await twoTickets(other, `foreign${randomUUID().slice(0, 6)}`);
    const merge = (id: string, targetTicketId: unknown) =>
      agent.post(`/tickets/${id}/merge`, { targetTicketId });

    const self = await merge(source.id, source.id);
    expect(self.statusCode).toBe(422);
    expect(self.json().error.message).toBe('a ticket cannot be merged into itself');
    // Another organisation's ticket is as unknown as one that does not exist, either way round.
    for (const [id, into] of [
      [source.id, foreign.id],
      [source.id, randomUUID()],
      [foreign.id, target.id],
    ] as const) {
      const response = await merge(id, into);
      expect(response.statusCode, response.body).toBe(404);
      expect(response.body).not.toContain('foreign');
    }
    expect((await merge(source.id, 'not-a-uuid')).statusCode).toBe(400);
    const extra = await agent.post(`/tickets/${source.id}/merge`, { targetTicketId: target.id, also: 1 });
    expect(extra.statusCode).toBe(400);
    // A customer may not merge.
    const customer = as(stack.app, await tokenFor(stack.h.db, f, f.customer));
    expect(
      (await customer.post(`/tickets/${source.id}/merge`, { targetTicketId: target.id })).statusCode,
    ).toBe(403);
    expect((await messagesOf(stack.h.db, source.id)).length).toBeGreaterThan(0);

    expect((await merge(source.id, target.id)).statusCode).toBe(200);
    // Merged (closed) tickets can be neither merged again nor merged into.
    const again = await merge(source.id, target.id);
    expect(again.statusCode).toBe(409);
    const into = await merge(target.id, source.id);
    expect(into.statusCode).toBe(409);
    expect(into.json().error.message).toBe('the ticket to merge into is closed');
    expect((await agent.get(`/tickets/${target.id}`)).json().status).toBe('open');
  }, 120_000);
});
