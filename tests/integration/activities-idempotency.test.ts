import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Activities, createActivities } from '../../src/activities/index.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import {
  outboundEmails,
  slaBreaches,
  ticketActivities,
  ticketMessages,
  tickets,
  webhookDeliveries,
  webhooks,
} from '../../src/db/schema/index.js';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { createFileStorage, type Storage } from '../../src/storage/storage.js';
import { createOrganizationFixture, type OrganizationFixture, openTestDatabase } from '../support/db.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { SUPPORT_ADDRESS, TEST_SURVEY_LINKS, ticketInput } from '../support/ticket-harness.js';

// Temporal retries an activity whenever it cannot tell whether the last attempt finished: each of these
// runs an activity twice (or after a failure) and checks nothing was written or sent twice.
let db: DatabaseHandle;
let sink: SmtpSink;
let mailer: Mailer;
let acts: Activities;
let storage: Storage;

beforeAll(async () => {
  db = await openTestDatabase();
  sink = await startSmtpSink();
  mailer = createSmtpMailer(`smtp://${sink.host}:${sink.port}`);
  storage = createFileStorage(mkdtempSync(join(tmpdir(), 'insightdesk-files-')));
  acts = createActivities({
    db,
    mailer,
    storage,
    defaultFrom: SUPPORT_ADDRESS,
    surveyLinks: TEST_SURVEY_LINKS,
  });
});
afterAll(async () => {
  mailer.close();
  await sink.stop();
  await db.close();
});

async function openedTicket(f: OrganizationFixture) {
  const input = ticketInput(f);
  const first = await acts.openTicket(input);
  return { input, first };
}

const count = (
  table: Parameters<DatabaseHandle['adminDb']['$count']>[0],
  where: Parameters<DatabaseHandle['adminDb']['$count']>[1],
) => db.adminDb.$count(table, where);

describe('idempotent activities', () => {
  it('openTicket twice: one ticket, one message, one acknowledgement', async () => {
    const f = await createOrganizationFixture(db);
    const { input, first } = await openedTicket(f);
    const second = await acts.openTicket(input);
    expect(second).toEqual(first);
    expect(await count(tickets, eq(tickets.id, input.ticketId))).toBe(1);
    expect(
      await count(
        ticketMessages,
        and(eq(ticketMessages.ticketId, input.ticketId), eq(ticketMessages.type, 'reply')),
      ),
    ).toBe(1);
    expect(await count(outboundEmails, eq(outboundEmails.ticketId, input.ticketId))).toBe(1);
  });

  it('openTicket stores the first deadline with the ticket, the same on a repeat', async () => {
    const f = await createOrganizationFixture(db);
    const { input, first } = await openedTicket(f);
    const [row] = await db.adminDb.select().from(tickets).where(eq(tickets.id, input.ticketId));
    // Medium priority without a policy of the organisation: the seed's 8 hours to first response.
    expect(row!.slaDeadline!.getTime() - row!.createdAt.getTime()).toBe(8 * 60 * 60_000);
    expect(first.slaDeadline).toBe(row!.slaDeadline!.getTime());
    expect((await acts.openTicket(input)).slaDeadline).toBe(first.slaDeadline);
  });

  it('addAgentMessage twice with one idempotency key: one message, one email queued', async () => {
    const f = await createOrganizationFixture(db);
    const { input } = await openedTicket(f);
    const reply = {
      ticketId: input.ticketId,
      organizationId: f.org.id,
      authorId: f.agent.id,
      content: 'Hi',
      internal: false,
      idempotencyKey: 'req-1',
    };
    const a = await acts.addAgentMessage(reply);
    const b = await acts.addAgentMessage(reply);
    expect(b.messageId).toBe(a.messageId);
    expect(b.emailMessageId).toBe(a.emailMessageId);
    // The repeat may be the only attempt whose result the workflow sees (the first one's worker died after
    // its commit): it must still name the queued email, or the reply is never sent.
    expect(a.outboundId).not.toBeNull();
    expect(b.outboundId).toBe(a.outboundId);
    expect(
      await count(
        outboundEmails,
        and(eq(outboundEmails.ticketId, input.ticketId), eq(outboundEmails.kind, 'reply')),
      ),
    ).toBe(1);
    const [ticket] = await db.adminDb.select().from(tickets).where(eq(tickets.id, input.ticketId));
    expect(ticket!.firstResponseAt).not.toBeNull();
  });

  it('emails a public reply with its attachments, read from storage', async () => {
    const f = await createOrganizationFixture(db);
    const { input } = await openedTicket(f);
    const bytes = Buffer.from('%PDF-1.4 invoice 42');
    const stored = await storage.put(f.org.id, bytes);
    const attachment = {
      id: randomUUID(),
      filename: 'invoice.pdf',
      url: '/attachments/x',
      mimeType: 'application/pdf',
      size: bytes.length,
      storageKey: stored.key,
    };
    const { outboundId } = await acts.addAgentMessage({
      ticketId: input.ticketId,
      organizationId: f.org.id,
      authorId: f.agent.id,
      content: 'Here is your invoice.',
      internal: false,
      attachments: [attachment],
      idempotencyKey: 'with-attachment',
    });
    sink.clear();
    await acts.deliverEmail({ outboundId: outboundId!, organizationId: f.org.id });
    const mail = await sink.waitFor((m) => m.envelope.to.includes(f.customer.email));
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([
      ['invoice.pdf', 'application/pdf', '%PDF-1.4 invoice 42'],
    ]);
  });

  it('addCustomerMessage with the same Message-ID twice stores it once', async () => {
    const f = await createOrganizationFixture(db);
    const { input } = await openedTicket(f);
    const message = {
      senderId: f.customer.id,
      content: 'More info',
      emailMessageId: `${randomUUID()}@customer.test`,
    };
    const a = await acts.addCustomerMessage({ ticketId: input.ticketId, organizationId: f.org.id, message });
    const b = await acts.addCustomerMessage({ ticketId: input.ticketId, organizationId: f.org.id, message });
    expect(a.duplicate).toBe(false);
    expect(b).toEqual({ messageId: a.messageId, duplicate: true });
  });

  it('splitMessage twice: one new ticket, one split activity each side, the same answer', async () => {
    const f = await createOrganizationFixture(db);
    const { input } = await openedTicket(f);
    await acts.addAgentMessage({
      ticketId: input.ticketId,
      organizationId: f.org.id,
      idempotencyKey: randomUUID(),
      authorId: f.agent.id,
      content: 'Try again',
      internal: false,
    });
    const { messageId } = await acts.addCustomerMessage({
      ticketId: input.ticketId,
      organizationId: f.org.id,
      message: { senderId: f.customer.id, content: 'Another problem' },
    });
    const split = { ticketId: input.ticketId, organizationId: f.org.id, messageId, actorId: f.agent.id };
    const a = await acts.splitMessage(split);
    const b = await acts.splitMessage(split);
    expect(b).toEqual(a);
    // The only unanswered message left: the source's next-response clock ends.
    expect(a.nextResponse).toEqual({ from: expect.any(Number), to: null });
    expect(await count(tickets, eq(tickets.organizationId, f.org.id))).toBe(2);
    expect(await count(ticketMessages, eq(ticketMessages.ticketId, a.ticket.id))).toBe(1);
    for (const ticketId of [input.ticketId, a.ticket.id]) {
      const splits = and(eq(ticketActivities.ticketId, ticketId), eq(ticketActivities.action, 'split'));
      expect(await count(ticketActivities, splits)).toBe(1);
    }
  });

  it('recordSlaBreach twice: one breach, one activity row, one escalation', async () => {
    const f = await createOrganizationFixture(db);
    const { input } = await openedTicket(f);
    const breach = {
      ticketId: input.ticketId,
      organizationId: f.org.id,
      kind: 'first_response' as const,
      deadline: new Date(Date.now() - 60_000).toISOString(),
      detectedAt: new Date().toISOString(),
    };
    const a = await acts.recordSlaBreach(breach);
    const b = await acts.recordSlaBreach(breach);
    expect(a.outboundId).not.toBeNull();
    expect(b.outboundId).toBe(a.outboundId);
    expect(await count(slaBreaches, eq(slaBreaches.ticketId, input.ticketId))).toBe(1);
    expect(
      await count(
        ticketActivities,
        and(eq(ticketActivities.ticketId, input.ticketId), eq(ticketActivities.action, 'sla_breached')),
      ),
    ).toBe(1);

    sink.clear();
    await acts.deliverEmail({ outboundId: a.outboundId!, organizationId: f.org.id });
    await acts.deliverEmail({ outboundId: a.outboundId!, organizationId: f.org.id });
    await sink.waitFor((m) => m.envelope.to.includes(f.owner.email));
    expect(sink.messages.filter((m) => m.envelope.to.includes(f.owner.email))).toHaveLength(1);
  });

  it('recordSlaBreach and recordSlaWarning twice: one webhook event each, and none for another organisation', async () => {
    const f = await createOrganizationFixture(db);
    const other = await createOrganizationFixture(db);
    const [hook, otherHook] = await db.adminDb
      .insert(webhooks)
      .values(
        [f, other].map((o) => ({
          organizationId: o.org.id,
          url: `https://hooks.example.test/${o.org.id}`,
          events: ['sla.warning' as const, 'sla.breached' as const],
          secret: 'whsec_test',
        })),
      )
      .returning();
    const { input } = await openedTicket(f);
    const event = {
      ticketId: input.ticketId,
      organizationId: f.org.id,
      kind: 'first_response' as const,
      deadline: new Date(Date.now() + 60_000).toISOString(),
      detectedAt: new Date().toISOString(),
    };
    for (let i = 0; i < 2; i++) {
      await acts.recordSlaWarning(event);
      await acts.recordSlaBreach(event);
    }
    const queued = await db.adminDb
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, hook!.id));
    expect(queued.map((d) => d.eventType).sort()).toEqual(['sla.breached', 'sla.warning']);
    expect(
      queued.every(
        (d) => (d.payload as { data: { ticket: { id: string } } }).data.ticket.id === input.ticketId,
      ),
    ).toBe(true);
    expect(await count(webhookDeliveries, eq(webhookDeliveries.webhookId, otherHook!.id))).toBe(0);
  });

  it('recordSlaBreach stores the next deadline it is given, also when the breach was recorded already', async () => {
    const f = await createOrganizationFixture(db);
    const { input } = await openedTicket(f);
    const breach = {
      ticketId: input.ticketId,
      organizationId: f.org.id,
      kind: 'first_response' as const,
      deadline: new Date(Date.now() - 60_000).toISOString(),
      detectedAt: new Date().toISOString(),
    };
    const resolutionDue = new Date(Date.now() + 60 * 60_000);
    const deadlineOf = async () =>
      (await db.adminDb.select().from(tickets).where(eq(tickets.id, input.ticketId)))[0]!.slaDeadline;
    const a = await acts.recordSlaBreach({ ...breach, nextDeadline: resolutionDue.toISOString() });
    expect(a.nextDeadlineStored).toBe(true);
    expect(await deadlineOf()).toEqual(resolutionDue);
    // A repeat whose first attempt committed (its workflow task was lost) still stores what it is given.
    const b = await acts.recordSlaBreach({ ...breach, nextDeadline: null });
    expect(b).toEqual({ outboundId: a.outboundId, nextDeadlineStored: true });
    expect(await deadlineOf()).toBeNull();
    expect(await count(slaBreaches, eq(slaBreaches.ticketId, input.ticketId))).toBe(1);
    // Without one (as recorded workflow histories call it), the deadline is left to setSlaDeadline.
    const c = await acts.recordSlaBreach(breach);
    expect(c).toEqual({ outboundId: a.outboundId });
  });

  it('deliverEmail after a temporary SMTP failure sends exactly once, keeping the reason meanwhile', async () => {
    const f = await createOrganizationFixture(db);
    const { first } = await openedTicket(f);
    const outboundId = first.acknowledgementId!;
    sink.clear();
    sink.failNext(1, 451);
    await expect(acts.deliverEmail({ outboundId, organizationId: f.org.id })).rejects.toThrow();
    const [failed] = await db.adminDb.select().from(outboundEmails).where(eq(outboundEmails.id, outboundId));
    expect(failed).toMatchObject({ status: 'pending', attempts: 1 });
    expect(failed!.lastError).toMatch(/451/);

    await acts.deliverEmail({ outboundId, organizationId: f.org.id });
    const [sent] = await db.adminDb.select().from(outboundEmails).where(eq(outboundEmails.id, outboundId));
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    const received = await sink.waitFor((m) => m.envelope.to.includes(f.customer.email));
    expect(received.messageId).toBe(`<${sent!.messageId}>`);
    expect(sink.messages.filter((m) => m.envelope.to.includes(f.customer.email))).toHaveLength(1);
  });

  it('deliverEmail gives up at once on a permanent refusal', async () => {
    const f = await createOrganizationFixture(db);
    const { first } = await openedTicket(f);
    sink.failNext(1, 550, 'rcpt');
    await expect(
      acts.deliverEmail({ outboundId: first.acknowledgementId!, organizationId: f.org.id }),
    ).rejects.toMatchObject({
      nonRetryable: true,
    });
    const [row] = await db.adminDb
      .select()
      .from(outboundEmails)
      .where(eq(outboundEmails.id, first.acknowledgementId!));
    expect(row!.status).toBe('failed');
  });

  it("refuses another organisation's ticket", async () => {
    const a = await createOrganizationFixture(db);
    const b = await createOrganizationFixture(db);
    const { input } = await openedTicket(b);
    await expect(
      acts.addAgentMessage({
        ticketId: input.ticketId,
        organizationId: a.org.id,
        authorId: a.agent.id,
        content: 'x',
        internal: true,
        idempotencyKey: 'k',
      }),
    ).rejects.toMatchObject({ nonRetryable: true, message: `ticket ${input.ticketId} not found` });
  });
});
