// Conversations with more than two people, through real Dovecot, the reader, the pipeline, the ticket
// workflow and the SMTP sink: whoever the customer copies follows the ticket, is copied on the agents'
// replies, and their own mail threads in under their name.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { AddressObject } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageView } from '../../src/api/schemas/tickets.js';
import { listParticipants, lockParticipant, removeFollower } from '../../src/db/queries/participants.js';
import { findTicketDetail } from '../../src/db/queries/ticket-detail.js';
import { ticketActivities, ticketParticipants } from '../../src/db/schema/index.js';
import { createOrganizationFixture, type OrganizationFixture } from '../support/db.js';
import {
  bare,
  customerEmail,
  eventually,
  type IngestHarness,
  messagesOf,
  startIngestHarness,
  type TestMailbox,
  ticketsOf,
} from '../support/ingest-harness.js';
import type { CapturedMail } from '../support/smtp-sink.js';

let h: IngestHarness;
let f: OrganizationFixture;
let mailbox: TestMailbox;
let otherMailbox: TestMailbox;

beforeAll(async () => {
  h = await startIngestHarness();
  f = await createOrganizationFixture(h.db, 'Participants');
  mailbox = await h.createMailbox(f.org.id);
  // A second mailbox of the same organisation, copied by the customer: never a follower.
  otherMailbox = await h.createMailbox(f.org.id);
  const worker = await h.startWorker();
  await h.startReader(mailbox.id, worker.taskQueue);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const short = () => randomUUID().slice(0, 8);
const ccOf = (mail: CapturedMail) =>
  ((mail.parsed.cc as AddressObject | undefined)?.value ?? []).map((a) => a.address);
const participantsOf = (ticketId: string) =>
  h.db.withTenant({ organizationId: f.org.id }, (tx) => listParticipants(tx, f.org.id, ticketId));

async function ticketWith(messageId: string) {
  return eventually(async () => {
    const found = [];
    for (const t of await ticketsOf(h.db, f.org.id))
      if ((await messagesOf(h.db, t.id)).some((m) => m.emailMessageId === messageId)) found.push(t);
    expect(found).toHaveLength(1);
    return found[0]!;
  });
}

async function agentReply(ticketId: string, content: string) {
  const reply = await h.tickets.commands.agentReply(ticketId, {
    authorId: f.agent.id,
    content,
    internal: false,
  });
  return h.tickets.sink.waitFor((m) => bare(m.messageId) === reply.emailMessageId, 15_000);
}

/** A customer's ticket whose opening email copied a colleague (and addresses that must not follow). */
async function ticketWithColleague() {
  const customer = `carla-${short()}@customer.test`;
  const colleague = `dana-${short()}@customer.test`;
  const firstId = `${randomUUID()}@customer.test`;
  await mailbox.append(
    customerEmail({
      from: `Carla Customer <${customer}>`,
      to: `${mailbox.address}, Dana Colleague <${colleague}>`,
      subject: `Printer on fire ${short()}`,
      messageId: firstId,
      headers: {
        Cc: `${otherMailbox.address}, ${mailbox.address.replace('@', '+x@')}, no-reply@shop.test, MAILER-DAEMON@mx.test, ${customer}`,
      },
    }),
  );
  const ticket = await ticketWith(firstId);
  return { ticket, customer, colleague, firstId };
}

describe('ticket participants from email', () => {
  it('makes the copied colleague a follower, copies them on replies, and threads their answer in under their name', async () => {
    const { ticket, customer, colleague } = await ticketWithColleague();
    const people = await eventually(async () => {
      const list = await participantsOf(ticket.id);
      expect(list).toHaveLength(2);
      return list;
    });
    expect(people.map((p) => [p.email, p.role, p.addedVia, p.name])).toEqual([
      [customer, 'customer', 'email', 'Carla Customer'],
      [colleague, 'follower', 'email', 'Dana Colleague'],
    ]);

    const agentMail = await agentReply(ticket.id, 'Please unplug it.');
    expect(agentMail.envelope.to.sort()).toEqual([customer, colleague].sort());
    expect(ccOf(agentMail)).toEqual([colleague]);
    expect((agentMail.parsed.to as AddressObject).value.map((a) => a.address)).toEqual([customer]);

    // The colleague answers the agent's email, copying someone new.
    const newcomer = `ed-${short()}@partner.test`;
    const answerId = `${randomUUID()}@customer.test`;
    await mailbox.append(
      customerEmail({
        from: `Dana Colleague <${colleague}>`,
        to: mailbox.address,
        subject: `Re: ${agentMail.subject}`,
        messageId: answerId,
        inReplyTo: bare(agentMail.messageId),
        references: [...agentMail.references.map(bare), bare(agentMail.messageId)],
        headers: { Cc: `${customer}, Ed Partner <${newcomer}>` },
        body: 'Unplugged it for Carla.',
      }),
    );
    expect((await ticketWith(answerId)).id).toBe(ticket.id);
    const detail = await h.db.withTenant({ organizationId: f.org.id }, (tx) =>
      findTicketDetail(tx, f.org.id, ticket.id),
    );
    const answer = detail!.messages.map(messageView).find((m) => m.content === 'Unplugged it for Carla.');
    // On the customer's side, not staff: the agents' app shows her as a follower.
    expect(answer?.sender).toMatchObject({ name: 'Dana Colleague', email: colleague, role: 'customer' });
    expect(answer?.sender?.id).not.toBe(ticket.customerId);
    expect((await participantsOf(ticket.id)).map((p) => p.email)).toEqual([customer, colleague, newcomer]);

    const second = await agentReply(ticket.id, 'Glad to hear it.');
    expect(ccOf(second)).toEqual([colleague, newcomer]);
  });

  it('threads a follower’s [#N] reply; a stranger’s [#N] opens a new ticket', async () => {
    const { ticket, colleague } = await ticketWithColleague();
    const followerId = `${randomUUID()}@customer.test`;
    await mailbox.append(
      customerEmail({
        from: colleague,
        to: mailbox.address,
        subject: `Re: [#${ticket.ticketNumber}] about the printer`,
        messageId: followerId,
        body: 'Any news?',
      }),
    );
    expect((await ticketWith(followerId)).id).toBe(ticket.id);

    const strangerId = `${randomUUID()}@elsewhere.test`;
    await mailbox.append(
      customerEmail({
        from: `mallory-${short()}@elsewhere.test`,
        to: mailbox.address,
        subject: `Re: [#${ticket.ticketNumber}] about the printer`,
        messageId: strangerId,
        body: 'Let me in.',
      }),
    );
    const other = await ticketWith(strangerId);
    expect(other.id).not.toBe(ticket.id);
  });

  it('adds nobody twice when the same email is ingested again', async () => {
    const { ticket, customer, firstId } = await ticketWithColleague();
    const latecomer = `fay-${short()}@customer.test`;
    const raw = Buffer.from(
      customerEmail({
        from: customer,
        to: mailbox.address,
        subject: 'More',
        messageId: `${randomUUID()}@customer.test`,
        inReplyTo: firstId,
        headers: { Cc: latecomer },
      }),
    );
    const first = await h.pipeline.ingest(raw, { mailboxId: mailbox.id });
    expect(first.outcome).toBe('message_added');
    const again = await h.pipeline.ingest(raw, { mailboxId: mailbox.id });
    expect(again.outcome).toBe('duplicate');
    // The same email's message stored again by the workflow (a retried activity, a second signal): still once.
    await h.tickets.commands.customerMessage(ticket.id, {
      content: 'More',
      senderId: ticket.customerId,
      emailMessageId: first.messageKey,
      followers: [{ email: latecomer, name: '' }],
    });
    await eventually(async () => {
      const rows = await h.db.adminDb
        .select()
        .from(ticketParticipants)
        .where(and(eq(ticketParticipants.ticketId, ticket.id), eq(ticketParticipants.email, latecomer)));
      expect(rows).toHaveLength(1);
    });
    await agentReply(ticket.id, 'Noted.'); // after the signal: the workflow handled it before this update
    const added = await h.db.adminDb
      .select()
      .from(ticketActivities)
      .where(and(eq(ticketActivities.ticketId, ticket.id), eq(ticketActivities.action, 'participant_added')));
    expect(added.filter((a) => a.metadata?.participantEmail === latecomer)).toHaveLength(1);
    expect((await participantsOf(ticket.id)).filter((p) => p.email === latecomer)).toHaveLength(1);
  });

  it('no longer copies a removed follower, even when the customer keeps copying them', async () => {
    const { ticket, customer, colleague, firstId } = await ticketWithColleague();
    await eventually(async () => expect(await participantsOf(ticket.id)).toHaveLength(2));
    await h.db.withTenant({ organizationId: f.org.id, userId: f.agent.id }, async (tx) => {
      const [, follower] = await listParticipants(tx, f.org.id, ticket.id);
      const locked = await lockParticipant(tx, f.org.id, ticket.id, follower!.id);
      await removeFollower(tx, f.org.id, ticket.id, f.agent.id, locked!);
    });
    const replyAllId = `${randomUUID()}@customer.test`;
    await mailbox.append(
      customerEmail({
        from: customer,
        to: mailbox.address,
        subject: 'Re: still on fire',
        messageId: replyAllId,
        inReplyTo: firstId,
        headers: { Cc: colleague },
      }),
    );
    expect((await ticketWith(replyAllId)).id).toBe(ticket.id);
    expect((await participantsOf(ticket.id)).map((p) => p.email)).toEqual([customer]);
    const mail = await agentReply(ticket.id, 'Only for Carla.');
    expect(ccOf(mail)).toEqual([]);
    expect(mail.envelope.to).toEqual([customer]);
  });
});
