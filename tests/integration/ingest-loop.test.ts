// Email in, ticket out, reply back: the reader, pipeline and ticket workflow together against real
// Dovecot (IMAP), PostgreSQL, a Temporal dev server and an SMTP sink.
import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  mailboxes,
  organizations,
  ticketActivities,
  userOrganizations,
  users,
} from '../../src/db/schema/index.js';
import { silentLogger } from '../../src/ingest/log.js';
import { ensureMailboxReaders, startIngest } from '../../src/temporal/ingest-worker.js';
import { mailboxWorkflowId } from '../../src/workflows/mailbox.js';
import { ticketWorkflowId } from '../../src/workflows/ticket.js';
import { createOrganizationFixture } from '../support/db.js';
import {
  addUserAndWait,
  bare,
  customerEmail,
  eventually,
  type IngestHarness,
  ledgerEntry,
  ledgerOf,
  messagesOf,
  startIngestHarness,
  TEST_READER_WORKFLOW,
  ticketsOf,
} from '../support/ingest-harness.js';

let h: IngestHarness;
let taskQueue: string;

beforeAll(async () => {
  h = await startIngestHarness();
  taskQueue = (await h.startWorker()).taskQueue;
});
afterAll(async () => {
  await h?.close();
});

const short = () => randomUUID().slice(0, 8);

/** A fresh organisation with its own mailbox and running reader. */
async function setup(name = 'Acme', queue = taskQueue) {
  const f = await createOrganizationFixture(h.db, name);
  const mailbox = await h.createMailbox(f.org.id);
  await h.startReader(mailbox.id, queue);
  return { f, mailbox };
}

async function onlyTicket(organizationId: string) {
  return eventually(async () => {
    const list = await ticketsOf(h.db, organizationId);
    expect(list).toHaveLength(1);
    return list[0]!;
  });
}

const mailsTo = (address: string) => h.tickets.sink.messages.filter((m) => m.envelope.to.includes(address));

describe('email ingestion', () => {
  it('runs the full loop: email → ticket + acknowledgement → agent reply → customer reply threads back', async () => {
    const { f, mailbox } = await setup();
    const customer = `carla-${short()}@customer.test`;
    const firstId = `${randomUUID()}@customer.test`;
    const appended = Date.now();
    await mailbox.append(
      customerEmail({
        from: `Carla Customer <${customer}>`,
        to: mailbox.address,
        subject: 'Printer on fire',
        messageId: firstId,
      }),
    );
    const ticket = await onlyTicket(f.org.id);
    // A figure, not a limit (speed targets live in bench:ingest): printed for whoever reads the run.
    console.info(`inbox → ticket row: ${Date.now() - appended} ms`);
    expect(ticket).toMatchObject({
      title: 'Printer on fire',
      channel: 'email',
      status: 'open',
      ticketNumber: 1,
    });

    const ack = await h.tickets.sink.waitFor((m) => m.envelope.to.includes(customer), 10_000);
    expect(ack.subject).toBe('[#1] Printer on fire');
    expect(ack.headers.get('auto-submitted')).toBe('auto-replied');
    expect(bare(ack.inReplyTo)).toBe(firstId);
    expect(ack.envelope.from).toBe(mailbox.address);

    // The sender became a user with a customer membership; the name in the From header is this
    // organisation's name for them, not the account's (which stays the person's to choose).
    const [user] = await h.db.adminDb.select().from(users).where(eq(users.email, customer));
    expect(user!.name).toBe(customer.split('@')[0]);
    expect(ticket.customerId).toBe(user!.id);
    const [membership] = await h.db.adminDb
      .select()
      .from(userOrganizations)
      .where(and(eq(userOrganizations.userId, user!.id), eq(userOrganizations.organizationId, f.org.id)));
    expect(membership).toMatchObject({ role: 'customer', displayName: 'Carla Customer' });

    const reply = await h.tickets.commands.agentReply(ticket.id, {
      authorId: f.agent.id,
      content: 'Please unplug it.',
      internal: false,
    });
    const agentMail = await h.tickets.sink.waitFor((m) => bare(m.messageId) === reply.emailMessageId, 10_000);
    expect(agentMail.subject).toBe('Re: [#1] Printer on fire');

    // The customer answers the agent's email, as a mail client would: headers taken from what arrived.
    const answerId = `${randomUUID()}@customer.test`;
    await mailbox.append(
      customerEmail({
        from: `Carla Customer <${customer}>`,
        to: mailbox.address,
        subject: `Re: ${agentMail.subject}`,
        messageId: answerId,
        inReplyTo: bare(agentMail.messageId),
        references: [...agentMail.references.map(bare), bare(agentMail.messageId)],
        body: 'Unplugged it, the fire is out.\n\nOn Tue, 1 Apr 2025, Support wrote:\n> Please unplug it.\n',
      }),
    );
    const messages = await eventually(async () => {
      const list = await messagesOf(h.db, ticket.id);
      expect(list.map((m) => m.emailMessageId)).toContain(answerId);
      return list;
    });
    const answer = messages.find((m) => m.emailMessageId === answerId)!;
    expect(answer.content).toBe('Unplugged it, the fire is out.');
    expect(answer.originalContent).toContain('> Please unplug it.');
    expect(answer.senderId).toBe(user!.id);
    expect(messages.map((m) => m.type)).toEqual(['reply', 'system', 'reply', 'reply']);
    expect(await ticketsOf(h.db, f.org.id)).toHaveLength(1);

    const ledger = await ledgerOf(h.db, f.org.id);
    expect(ledger.map((l) => [l.messageKey, l.outcome, l.ticketId]).sort()).toEqual(
      [
        [firstId, 'ticket_created', ticket.id],
        [answerId, 'message_added', ticket.id],
      ].sort(),
    );
    // One acknowledgement, none for the reply.
    expect(mailsTo(customer).filter((m) => m.headers.get('auto-submitted') === 'auto-replied')).toHaveLength(
      1,
    );

    // Progress saved, and both messages flagged \Seen after acceptance.
    const [row] = await h.db.adminDb.select().from(mailboxes).where(eq(mailboxes.id, mailbox.id));
    expect(row).toMatchObject({ lastUid: 2, lastError: null });
    expect(row!.uidValidity).toBeGreaterThan(0);
    const imap = new ImapFlow({
      ...h.dovecot.clientOptions(mailbox.user, mailbox.password),
      disableAutoIdle: true,
    });
    await imap.connect();
    try {
      await imap.mailboxOpen('INBOX');
      const flags = await imap.fetchAll('1:*', { uid: true, flags: true }, { uid: true });
      expect(flags.map((m) => m.flags?.has('\\Seen'))).toEqual([true, true]);
    } finally {
      await imap.logout();
    }
  });

  it('threads by the [#N] subject token within the organisation only', async () => {
    const one = await setup('One');
    const two = await setup('Two');
    const customer = `dora-${short()}@customer.test`;
    await one.mailbox.append(
      customerEmail({ from: customer, to: one.mailbox.address, subject: 'Printer jammed' }),
    );
    const ticket = await onlyTicket(one.f.org.id);
    for (const subject of ['Invoice', 'Refund']) {
      await two.mailbox.append(customerEmail({ from: customer, to: two.mailbox.address, subject }));
    }
    await eventually(async () => expect(await ticketsOf(h.db, two.f.org.id)).toHaveLength(2));

    // No In-Reply-To, no References: only the token says where it belongs.
    const tokenId = `${randomUUID()}@customer.test`;
    await one.mailbox.append(
      customerEmail({
        from: customer,
        to: one.mailbox.address,
        subject: 'Re: [#1] Printer jammed',
        messageId: tokenId,
        body: 'Still jammed.',
      }),
    );
    await eventually(async () =>
      expect((await messagesOf(h.db, ticket.id)).map((m) => m.emailMessageId)).toContain(tokenId),
    );

    // [#2] exists in the other organisation only: here it opens a new ticket.
    const foreignId = `${randomUUID()}@customer.test`;
    await one.mailbox.append(
      customerEmail({
        from: customer,
        to: one.mailbox.address,
        subject: 'Re: [#2] Refund',
        messageId: foreignId,
      }),
    );
    await eventually(async () => expect(await ledgerEntry(h.db, one.f.org.id, foreignId)).toBeDefined());
    expect((await ledgerEntry(h.db, one.f.org.id, foreignId))?.outcome).toBe('ticket_created');
    expect(await ticketsOf(h.db, one.f.org.id)).toHaveLength(2);
    for (const t of await ticketsOf(h.db, two.f.org.id)) expect(await messagesOf(h.db, t.id)).toHaveLength(2);
  });

  it('answers from the mailbox the conversation came in through, not the organisation’s first one', async () => {
    const { f, mailbox: first } = await setup('Two inboxes');
    // The organisation's first mailbox nobody reads; customers write to the second one.
    const second = await h.createMailbox(f.org.id);
    await h.startReader(second.id, taskQueue);
    const customer = `gina-${short()}@customer.test`;
    await second.append(customerEmail({ from: customer, to: second.address, subject: 'Late delivery' }));
    const ticket = await onlyTicket(f.org.id);
    expect(ticket.mailboxId).toBe(second.id);
    const ack = await h.tickets.sink.waitFor((m) => m.envelope.to.includes(customer), 10_000);
    expect(ack.envelope.from).toBe(second.address);
    expect(ack.headers.get('reply-to')).toMatchObject({ text: second.address });
    const reply = await h.tickets.commands.agentReply(ticket.id, {
      authorId: f.agent.id,
      content: 'It is on its way.',
      internal: false,
    });
    const agentMail = await h.tickets.sink.waitFor((m) => bare(m.messageId) === reply.emailMessageId, 10_000);
    expect(agentMail.envelope.from).toBe(second.address);
    expect(agentMail.envelope.from).not.toBe(first.address);
  });

  it('accepts the [#N] token only from the ticket’s customer or the organisation’s staff', async () => {
    const { f, mailbox } = await setup('Token');
    const customer = `erin-${short()}@customer.test`;
    await mailbox.append(customerEmail({ from: customer, to: mailbox.address, subject: 'Broken hinge' }));
    const ticket = await onlyTicket(f.org.id);
    const tokenMail = async (from: string) => {
      const messageId = `${randomUUID()}@token.test`;
      await mailbox.append(
        customerEmail({
          from,
          to: mailbox.address,
          subject: `Re: [#${ticket.ticketNumber}] Broken hinge`,
          messageId,
        }),
      );
      await eventually(async () => expect(await ledgerEntry(h.db, f.org.id, messageId)).toBeDefined());
      return messageId;
    };

    // A stranger who guesses the number gets a ticket of their own, not a seat in Erin's conversation.
    const stranger = await tokenMail(`mallory-${short()}@elsewhere.test`);
    expect((await ledgerEntry(h.db, f.org.id, stranger))?.outcome).toBe('ticket_created');
    // The customer (whatever the address's case) and a staff member of the organisation thread in.
    const fromCustomer = await tokenMail(customer.toUpperCase());
    const fromAgent = await tokenMail(f.agent.email);
    for (const id of [fromCustomer, fromAgent])
      expect((await ledgerEntry(h.db, f.org.id, id))?.outcome).toBe('message_added');
    const onTicket = (await messagesOf(h.db, ticket.id)).map((m) => m.emailMessageId);
    expect(onTicket).toEqual(expect.arrayContaining([fromCustomer, fromAgent]));
    expect(onTicket).not.toContain(stranger);
  });

  it('opens a new ticket referring to the old one for a reply to a closed ticket', async () => {
    const { f, mailbox } = await setup();
    const customer = `emil-${short()}@customer.test`;
    await mailbox.append(customerEmail({ from: customer, to: mailbox.address, subject: 'VPN down' }));
    const closed = await onlyTicket(f.org.id);
    const ack = await h.tickets.sink.waitFor((m) => m.envelope.to.includes(customer), 10_000);
    await h.tickets.commands.change(closed.id, { actorId: f.agent.id, status: 'closed' });
    await h.client.workflow.getHandle(ticketWorkflowId(closed.id)).result();

    const replyId = `${randomUUID()}@customer.test`;
    await mailbox.append(
      customerEmail({
        from: customer,
        to: mailbox.address,
        subject: `Re: ${ack.subject}`,
        messageId: replyId,
        inReplyTo: bare(ack.messageId),
        references: [bare(ack.messageId)],
        body: 'It is down again.',
      }),
    );
    const next = await eventually(async () => {
      const list = await ticketsOf(h.db, f.org.id);
      expect(list).toHaveLength(2);
      return list.find((t) => t.id !== closed.id)!;
    });
    expect(next).toMatchObject({ ticketNumber: 2, title: 'VPN down', status: 'open' });
    expect((await messagesOf(h.db, next.id))[0]).toMatchObject({
      emailMessageId: replyId,
      content: 'It is down again.',
    });
    expect((await messagesOf(h.db, closed.id)).map((m) => m.emailMessageId)).not.toContain(replyId);
    const activity = await h.db.adminDb
      .select()
      .from(ticketActivities)
      .where(eq(ticketActivities.ticketId, next.id));
    expect(activity.map((a) => a.metadata?.reason)).toContain(`continues ticket ${closed.id}`);
    await h.tickets.sink.waitFor(
      (m) => m.envelope.to.includes(customer) && m.subject === '[#2] VPN down',
      10_000,
    );
  });

  it('reopens a resolved ticket when the customer answers', async () => {
    const { f, mailbox } = await setup();
    const customer = `fay-${short()}@customer.test`;
    await mailbox.append(customerEmail({ from: customer, to: mailbox.address, subject: 'Password reset' }));
    const ticket = await onlyTicket(f.org.id);
    const ack = await h.tickets.sink.waitFor((m) => m.envelope.to.includes(customer), 10_000);
    await h.tickets.commands.change(ticket.id, { actorId: f.agent.id, status: 'resolved' });

    await mailbox.append(
      customerEmail({
        from: customer,
        to: mailbox.address,
        subject: `Re: ${ack.subject}`,
        inReplyTo: bare(ack.messageId),
        body: 'Not fixed.',
      }),
    );
    await eventually(async () => {
      const [t] = await ticketsOf(h.db, f.org.id);
      expect(t?.status).toBe('open');
    });
    expect(await messagesOf(h.db, ticket.id)).toHaveLength(3);
  });

  it('answers auto-replies and bulk mail with nothing: no ticket, no message, no acknowledgement', async () => {
    const { f, mailbox } = await setup();
    const customer = `gus-${short()}@customer.test`;
    const away = `away-${short()}@customer.test`;
    await mailbox.append(customerEmail({ from: customer, to: mailbox.address, subject: 'Broken link' }));
    const ticket = await onlyTicket(f.org.id);
    const ack = await h.tickets.sink.waitFor((m) => m.envelope.to.includes(customer), 10_000);

    const oooId = `${randomUUID()}@customer.test`;
    const autoId = `${randomUUID()}@customer.test`;
    const bulkId = `${randomUUID()}@news.test`;
    // The customer's out-of-office answering our acknowledgement (RFC 3834)…
    await mailbox.append(
      customerEmail({
        from: customer,
        to: mailbox.address,
        subject: `Automatic reply: ${ack.subject}`,
        messageId: oooId,
        inReplyTo: bare(ack.messageId),
        headers: { 'Auto-Submitted': 'auto-replied' },
        body: 'I am out of the office until Monday.',
      }),
    );
    // …an old-style autoresponder writing fresh, and a newsletter.
    await mailbox.append(
      customerEmail({
        from: away,
        to: mailbox.address,
        subject: 'Out of office',
        messageId: autoId,
        headers: { 'X-Autoreply': 'yes' },
      }),
    );
    await mailbox.append(
      customerEmail({
        from: `news-${short()}@news.test`,
        to: mailbox.address,
        subject: 'Our spring sale',
        messageId: bulkId,
        headers: { Precedence: 'bulk' },
      }),
    );
    // A normal email after them: once it is a ticket, the reader has handled the three before it.
    const flush = `hal-${short()}@customer.test`;
    await mailbox.append(customerEmail({ from: flush, to: mailbox.address, subject: 'Another question' }));
    await eventually(async () => expect(await ticketsOf(h.db, f.org.id)).toHaveLength(2));

    for (const [key, reason] of [
      [oooId, 'auto-reply: Auto-Submitted: auto-replied'],
      [autoId, 'auto-reply: x-autoreply: yes'],
      [bulkId, 'bulk: precedence: bulk'],
    ] as const) {
      expect(await ledgerEntry(h.db, f.org.id, key)).toMatchObject({
        outcome: 'ignored',
        reason,
        ticketId: null,
      });
    }
    expect(await messagesOf(h.db, ticket.id)).toHaveLength(2);
    await h.tickets.sink.waitFor((m) => m.envelope.to.includes(flush), 10_000);
    expect(mailsTo(away)).toEqual([]);
    expect(mailsTo(customer)).toHaveLength(1);
  });

  it('never ingests mail from our own addresses', async () => {
    const { f, mailbox } = await setup();
    const ownId = `${randomUUID()}@acme.test`;
    const corpusId = `${randomUUID()}@acme.example`;
    await mailbox.append(
      customerEmail({ from: `Support <${mailbox.address}>`, to: mailbox.address, messageId: ownId }),
    );
    await mailbox.append(
      customerEmail({ from: 'support@acme.example', to: mailbox.address, messageId: corpusId }),
    );
    await eventually(async () => expect(await ledgerOf(h.db, f.org.id)).toHaveLength(2));
    expect(await ledgerEntry(h.db, f.org.id, ownId)).toMatchObject({
      outcome: 'ignored',
      reason: `loop: From is our own address ${mailbox.address}`,
    });
    expect((await ledgerEntry(h.db, f.org.id, corpusId))?.outcome).toBe('ignored');
    expect(await ticketsOf(h.db, f.org.id)).toEqual([]);
    expect(mailsTo(mailbox.address)).toEqual([]);
  });

  it('keeps bad mail aside and goes on: a 30 MB email, an empty one, then a normal one', async () => {
    const { f, mailbox } = await setup();
    const hugeId = `${randomUUID()}@customer.test`;
    const line = 'ERROR 2025-04-01T10:00:00Z worker-7 connection reset by peer, retrying\r\n';
    const huge = Buffer.concat([
      Buffer.from(
        customerEmail({ to: mailbox.address, subject: 'Huge log dump', messageId: hugeId, body: '' }),
      ),
      Buffer.from(line.repeat(Math.ceil((30 * 1024 * 1024) / line.length))),
    ]);
    await mailbox.append(huge);
    await mailbox.append('\r\n\r\n');
    const okId = `${randomUUID()}@customer.test`;
    await mailbox.append(
      customerEmail({ from: `ivy-${short()}@customer.test`, to: mailbox.address, messageId: okId }),
    );

    await eventually(
      async () => expect((await ledgerEntry(h.db, f.org.id, okId))?.outcome).toBe('ticket_created'),
      30_000,
    );
    const ledger = await ledgerOf(h.db, f.org.id);
    expect(ledger).toHaveLength(3);
    const tooLarge = ledger.find((l) => l.messageKey === hugeId)!;
    expect(tooLarge).toMatchObject({ outcome: 'quarantined', subject: 'Huge log dump' });
    expect(tooLarge.reason).toMatch(/^too large \(30\.\d MB\)$/);
    expect(tooLarge.sizeBytes).toBeGreaterThan(30 * 1024 * 1024);
    // Only the head of the message was downloaded and kept; the full one stays in the IMAP folder.
    const kept = await h.storage.open(tooLarge.rawStorageKey!);
    expect(kept!.size).toBeLessThanOrEqual(256 * 1024);
    kept!.stream.destroy();
    const empty = ledger.find((l) => l.messageKey !== hugeId && l.messageKey !== okId)!;
    expect(empty).toMatchObject({ outcome: 'quarantined' });
    expect(empty.reason).toMatch(/^unparseable/);
    expect(await ticketsOf(h.db, f.org.id)).toHaveLength(1);
  }, 90_000);

  it('polls when IDLE is not used', async () => {
    const polling = await h.startWorker({ reader: { useIdle: false, pollIntervalMs: 500 } });
    const { f, mailbox } = await setup('Polling', polling.taskQueue);
    // Wait for the reader's first pass, so the email arrives while it is waiting, not connecting.
    await eventually(async () => {
      const [row] = await h.db.adminDb.select().from(mailboxes).where(eq(mailboxes.id, mailbox.id));
      expect(row?.uidValidity).not.toBeNull();
    });
    const appended = Date.now();
    await mailbox.append(customerEmail({ from: `jo-${short()}@customer.test`, to: mailbox.address }));
    await onlyTicket(f.org.id);
    console.info(`inbox → ticket row without IDLE (poll every 500 ms): ${Date.now() - appended} ms`);
    await h.stopReader(mailbox.id);
    await polling.stop();
  });

  it('keeps one reader per mailbox however often it is started, and hands it over when a worker stops', async () => {
    const shared = `ingest-shared-${short()}`;
    const first = await h.startWorker({ taskQueue: shared });
    const second = await h.startWorker({ taskQueue: shared, separateConnection: true });
    const { f, mailbox } = await setup('Shared', shared);
    const handle = h.client.workflow.getHandle(mailboxWorkflowId(mailbox.id));
    const { runId } = await handle.describe();
    // Every process starts readers at start-up and periodically: all of them find the running one.
    await h.startReader(mailbox.id, shared);
    await ensureMailboxReaders(h.client, h.db, shared, TEST_READER_WORKFLOW);
    expect((await handle.describe()).runId).toBe(runId);
    await eventually(async () => expect((await handle.describe()).raw.pendingActivities).toHaveLength(1));

    await mailbox.append(
      customerEmail({ from: `kim-${short()}@customer.test`, to: mailbox.address, subject: 'First' }),
    );
    await onlyTicket(f.org.id);
    // Whichever worker holds the reader, stopping one leaves the other to carry on.
    await first.stop();
    await mailbox.append(
      customerEmail({ from: `kim-${short()}@customer.test`, to: mailbox.address, subject: 'Second' }),
    );
    await eventually(async () => expect(await ticketsOf(h.db, f.org.id)).toHaveLength(2), 30_000);
    expect((await handle.describe()).raw.pendingActivities).toHaveLength(1);
    await h.stopReader(mailbox.id);
    await second.stop();
  }, 60_000);

  it('startIngest: upserts the env-configured mailbox and ingests its mail', async () => {
    const slug = `env-org-${short()}`;
    const address = `desk-${short()}@acme.test`;
    const password = `p@ss/${short()}`;
    await addUserAndWait(h.dovecot, address, password);
    const config = loadConfig({
      IMAP_URL: `imap://${encodeURIComponent(address)}:${encodeURIComponent(password)}@${h.dovecot.host}:${h.dovecot.port}`,
      SUPPORT_ADDRESS: address,
      SUPPORT_ORGANIZATION: slug,
      IMAP_POLL_SECONDS: '2',
      TEMPORAL_TASK_QUEUE: h.tickets.taskQueue,
      INGEST_TASK_QUEUE: `ingest-env-${short()}`,
      MAIL_FROM: 'help@acme.test',
    });
    const common = {
      config,
      db: h.db,
      client: h.client,
      connection: h.connection,
      storage: h.storage,
      log: silentLogger,
      readerWorkflow: TEST_READER_WORKFLOW,
    };
    const service = await startIngest(common);
    // A second process with the same configuration: same mailbox row, same single reader.
    const otherConnection = await NativeConnection.connect({ address: h.temporal.address });
    const other = await startIngest({ ...common, connection: otherConnection });
    const [org] = await h.db.adminDb.select().from(organizations).where(eq(organizations.slug, slug));
    const rows = await h.db.adminDb.select().from(mailboxes).where(eq(mailboxes.address, address));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      organizationId: org!.id,
      imapUser: address,
      imapPassword: password,
      imapSecure: false,
    });
    try {
      await h.dovecot.append(
        address,
        password,
        customerEmail({ from: `lea-${short()}@customer.test`, to: address }),
      );
      await onlyTicket(org!.id);
      const described = await h.client.workflow.getHandle(mailboxWorkflowId(rows[0]!.id)).describe();
      expect(described.raw.pendingActivities).toHaveLength(1);
    } finally {
      await h.stopReader(rows[0]!.id);
      await service.stop();
      await other.stop();
      await otherConnection.close();
    }
  }, 60_000);
});
