// Splitting one message of a ticket into a new ticket, end to end: mail in through the real pipeline
// (POST /inbound), ticket workflows on the Temporal dev server, PostgreSQL, and the API.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { slaPolicies } from '../../src/db/schema/index.js';
import { as, tokenFor } from '../support/api.js';
import { createOrganizationFixture, type OrganizationFixture } from '../support/db.js';
import { useInboundApi } from '../support/inbound-api.js';
import { customerEmail, eventually, messagesOf, ticketsOf } from '../support/ingest-harness.js';

const stack = useInboundApi();

const inbound = async (raw: string) => {
  const response = await stack.inbound(raw);
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.json();
};

/** An email with a text file attached. */
function emailWithFile(opts: { from: string; to: string; subject: string; body: string; inReplyTo: string }) {
  const boundary = `b-${randomUUID()}`;
  return [
    `From: ${opts.from}`,
    `To: ${opts.to}`,
    `Subject: ${opts.subject}`,
    `Message-ID: <${randomUUID()}@customer.test>`,
    `In-Reply-To: <${opts.inReplyTo}>`,
    `References: <${opts.inReplyTo}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body,
    `--${boundary}`,
    'Content-Type: text/plain; name="vpn.log"',
    'Content-Disposition: attachment; filename="vpn.log"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('tunnel down').toString('base64'),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/**
 * A customer's ticket answered by an agent, with an internal note: the conversation a split starts from.
 * Its organisation's policy has a 30-minute next-response SLA.
 */
async function answeredTicket(f: OrganizationFixture) {
  await stack.h.db.adminDb.insert(slaPolicies).values({
    organizationId: f.org.id,
    name: 'With next response',
    priority: 'medium',
    firstResponseTime: 60,
    nextResponseTime: 30,
    resolutionTime: 6000,
    businessHoursOnly: false,
    isDefault: true,
  });
  const agent = as(stack.app, await tokenFor(stack.h.db, f, f.agent));
  const mailbox = await stack.h.createMailbox(f.org.id);
  const firstId = `${randomUUID()}@customer.test`;
  const from = `Carla <carla-${randomUUID().slice(0, 6)}@customer.test>`;
  const word = randomUUID().slice(0, 6);
  await inbound(
    customerEmail({
      from,
      to: mailbox.address,
      subject: `Printer ${word}`,
      body: 'It jams',
      messageId: firstId,
    }),
  );
  const source = await eventually(async () => {
    const [ticket] = await ticketsOf(stack.h.db, f.org.id);
    expect(ticket).toBeDefined();
    return ticket!;
  });
  expect(
    (await agent.post(`/tickets/${source.id}/messages`, { content: 'Try the rear tray' })).statusCode,
  ).toBe(201);
  expect(
    (await agent.post(`/tickets/${source.id}/messages`, { content: 'Known model', internal: true }))
      .statusCode,
  ).toBe(201);
  return { agent, mailbox, firstId, from, source, word };
}

/** The ticket's messages once `content` is among them. */
const messageWith = (ticketId: string, content: string) =>
  eventually(async () => {
    const message = (await messagesOf(stack.h.db, ticketId)).find((m) => m.content === content);
    expect(message).toBeDefined();
    return message!;
  });

describe('POST /tickets/:id/messages/:messageId/split', () => {
  it('moves the message to a new ticket of its author with its own workflow; the source’s clock and later mail follow', async () => {
    const f = await createOrganizationFixture(stack.h.db);
    const { agent, mailbox, firstId, source } = await answeredTicket(f);
    // A colleague the customer copied writes about another problem, with a file.
    const bob = `bob-${randomUUID().slice(0, 6)}@customer.test`;
    await inbound(
      emailWithFile({
        from: `Bob <${bob}>`,
        to: mailbox.address,
        subject: 'Re: VPN down as well',
        body: 'Also our VPN is down',
        inReplyTo: firstId,
      }),
    );
    const moved = await messageWith(source.id, 'Also our VPN is down');
    expect(moved.attachments).toHaveLength(1);
    await eventually(async () =>
      expect((await stack.h.tickets.commands.slaState(source.id))?.clocks.next_response?.outcome).toBe(
        'running',
      ),
    );

    const split = await agent.post(`/tickets/${source.id}/messages/${moved.id}/split`, {});
    expect(split.statusCode, split.body).toBe(201);
    const { ticket } = split.json();
    expect(split.headers.location).toBe(`/tickets/${ticket.id}`);
    expect(ticket.ticketNumber).toBeGreaterThan(source.ticketNumber);

    // The new ticket: Bob's, the email's subject, the source's mailbox, the message and its file.
    const detail = (await agent.get(`/tickets/${ticket.id}`)).json();
    expect(detail).toMatchObject({
      title: 'VPN down as well',
      status: 'open',
      customer: { email: bob },
    });
    const inMailbox = (await agent.get(`/tickets?mailboxId=${mailbox.id}`)).json().data;
    expect(inMailbox.map((t: { id: string }) => t.id).sort()).toEqual([source.id, ticket.id].sort());
    expect(detail.messages.map((m: { id: string }) => m.id)).toEqual([moved.id]);
    const file = detail.messages[0].attachments[0];
    expect((await agent.get(`/attachments/${file.id}`)).body).toBe('tunnel down');
    expect(detail.activities).toContainEqual(
      expect.objectContaining({
        action: 'split',
        metadata: { messageId: moved.id, splitFromId: source.id, splitFromNumber: source.ticketNumber },
      }),
    );
    // Its own workflow, its clocks from the message's time: the customer has waited since then.
    expect(await stack.h.tickets.commands.isRunning(ticket.id)).toBe(true);
    const clocks = await eventually(async () => {
      const state = await stack.h.tickets.commands.slaState(ticket.id);
      expect(state).not.toBeNull();
      return state!;
    });
    expect(clocks.createdAt).toBe(moved.createdAt.getTime());
    expect(clocks.clocks.first_response.outcome).toBe('running');
    expect(detail.sla.clocks.first_response.deadline).toBe(
      new Date(moved.createdAt.getTime() + 60 * 60_000).toISOString(),
    );

    // The source: the message gone, an activity pointing at the new ticket, nothing left unanswered.
    const after = (await agent.get(`/tickets/${source.id}`)).json();
    expect(after.messages.map((m: { id: string }) => m.id)).not.toContain(moved.id);
    expect(after.status).toBe('open');
    expect(after.activities).toContainEqual(
      expect.objectContaining({
        action: 'split',
        metadata: { messageId: moved.id, splitIntoId: ticket.id, splitIntoNumber: ticket.ticketNumber },
      }),
    );
    expect((await stack.h.tickets.commands.slaState(source.id))?.clocks.next_response).toBeUndefined();
    expect(after.sla.clocks.next_response).toBeNull();

    // A retried request (the body is optional) makes no second ticket and answers the same.
    const again = await agent.post(`/tickets/${source.id}/messages/${moved.id}/split`);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toEqual({ ticket });
    expect(await ticketsOf(stack.h.db, f.org.id)).toHaveLength(2);

    // Bob answers his own email: it lands in the new ticket.
    const movedEmailId = moved.emailMessageId!;
    await inbound(
      customerEmail({
        from: `Bob <${bob}>`,
        to: mailbox.address,
        subject: 'Re: VPN down as well',
        body: 'Still down',
        inReplyTo: movedEmailId,
        references: [firstId, movedEmailId],
      }),
    );
    await messageWith(ticket.id, 'Still down');
    expect((await messagesOf(stack.h.db, source.id)).map((m) => m.content)).not.toContain('Still down');
    expect(await ticketsOf(stack.h.db, f.org.id)).toHaveLength(2);
  }, 120_000);

  it('keeps the source’s next-response clock on the message still waiting, and takes the title given', async () => {
    const f = await createOrganizationFixture(stack.h.db);
    const { agent, mailbox, firstId, from, source } = await answeredTicket(f);
    for (const body of ['Second problem', 'And a question'])
      await inbound(customerEmail({ from, to: mailbox.address, subject: 'Re: x', body, inReplyTo: firstId }));
    const second = await messageWith(source.id, 'Second problem');
    await messageWith(source.id, 'And a question');
    const before = await eventually(async () => {
      const state = await stack.h.tickets.commands.slaState(source.id);
      expect(state?.clocks.next_response?.outcome).toBe('running');
      return (await agent.get(`/tickets/${source.id}`)).json().sla.clocks.next_response.deadline as string;
    });

    const split = await agent.post(`/tickets/${source.id}/messages/${second.id}/split`, { title: 'Toner' });
    expect(split.statusCode, split.body).toBe(201);
    const detail = (await agent.get(`/tickets/${split.json().ticket.id}`)).json();
    // The customer wrote it: the ticket is theirs, under the title the agent gave.
    expect(detail).toMatchObject({ title: 'Toner', customer: { id: source.customerId } });
    // The question still waits for an answer: its clock runs, counted from it (not earlier than before).
    const clock = (await agent.get(`/tickets/${source.id}`)).json().sla.clocks.next_response;
    expect(clock.outcome).toBe('running');
    expect(Date.parse(clock.deadline)).toBeGreaterThanOrEqual(Date.parse(before));
  }, 120_000);

  it('refuses what cannot be split, in words, and changes nothing', async () => {
    const f = await createOrganizationFixture(stack.h.db);
    const other = await createOrganizationFixture(stack.h.db);
    const { agent, source } = await answeredTicket(f);
    const { source: foreign } = await answeredTicket(other);
    const [opening, reply, note] = await messagesOf(stack.h.db, source.id).then((all) =>
      ['It jams', 'Try the rear tray', 'Known model'].map((c) => all.find((m) => m.content === c)!),
    );
    const [foreignReply] = (await messagesOf(stack.h.db, foreign.id)).filter(
      (m) => m.content === 'Try the rear tray',
    );
    const split = (ticketId: string, messageId: string, body: unknown = {}) =>
      agent.post(`/tickets/${ticketId}/messages/${messageId}/split`, body as Record<string, unknown>);
    const refusal = async (response: Awaited<ReturnType<typeof split>>, status: number) => {
      expect(response.statusCode, response.body).toBe(status);
      return response.json().error.message as string;
    };

    expect(await refusal(await split(source.id, opening!.id), 422)).toBe(
      'the opening message is what the ticket is about: it cannot be split out',
    );
    expect(await refusal(await split(source.id, note!.id), 422)).toMatch(/^an internal note stays/);
    // Another organisation's ticket or message, either path id, is as unknown as a made-up one.
    for (const [ticketId, messageId] of [
      [source.id, foreignReply!.id],
      [foreign.id, foreignReply!.id],
      [foreign.id, reply!.id],
      [source.id, randomUUID()],
      [randomUUID(), reply!.id],
    ] as const) {
      const response = await split(ticketId, messageId);
      expect(response.statusCode, response.body).toBe(404);
      expect(response.body).not.toContain(foreign.title);
    }
    // A message of another ticket of the organisation is not this ticket's.
    const api = await agent.post('/tickets', {
      customer: { email: `dora-${randomUUID().slice(0, 6)}@customer.test` },
      title: 'Other',
      description: 'Other problem',
    });
    const otherTicket = api.json().id as string;
    expect(await refusal(await split(otherTicket, reply!.id), 404)).toBe('message not found');
    // Bad input.
    expect((await split(source.id, 'not-a-uuid')).statusCode).toBe(400);
    expect((await split(source.id, reply!.id, { title: '' })).statusCode).toBe(400);
    expect((await split(source.id, reply!.id, { title: 'x', also: 1 })).statusCode).toBe(400);
    // A customer may not split.
    const customer = as(stack.app, await tokenFor(stack.h.db, f, f.customer));
    expect((await customer.post(`/tickets/${source.id}/messages/${reply!.id}/split`, {})).statusCode).toBe(
      403,
    );
    expect((await messagesOf(stack.h.db, source.id)).map((m) => m.id)).toEqual(
      expect.arrayContaining([opening!.id, reply!.id, note!.id]),
    );
    expect(await ticketsOf(stack.h.db, f.org.id)).toHaveLength(2);

    // A closed ticket splits nothing.
    expect((await agent.patch(`/tickets/${source.id}`, { status: 'closed' })).statusCode).toBe(200);
    expect(await refusal(await split(source.id, reply!.id), 409)).toMatch(/closed/);
    expect(await ticketsOf(stack.h.db, f.org.id)).toHaveLength(2);
    expect((await agent.get(`/tickets/${source.id}`)).json().activities).not.toContainEqual(
      expect.objectContaining({ action: 'split' }),
    );
  }, 120_000);
});
