// Plans, limits and usage: counted once per ticket and email however often a write is retried, refused
// with a clear error over a limit, never refusing a customer's email.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { changeOrganizationPlan } from '../../src/db/queries/subscriptions.js';
import { createTicket } from '../../src/db/queries/tickets.js';
import { outboundEmails, subscriptionPlans } from '../../src/db/schema/index.js';
import { silentLogger } from '../../src/ingest/log.js';
import { createIngestPipeline } from '../../src/ingest/pipeline.js';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';
import { openTestDatabase } from '../support/db.js';
import { customerEmail, eventually, INGEST_LIMITS, ticketsOf } from '../support/ingest-harness.js';
import { SUPPORT_ADDRESS, TEST_SURVEY_LINKS, ticketInput } from '../support/ticket-harness.js';

const h = useApiHarness();

/** Moves the organisation to a test-only plan of its own (the catalogue is shared by every test). */
async function onPlan(
  f: ApiFixture,
  limits: { maxAgents?: number | null; maxMailboxes?: number | null; maxTicketsPerMonth?: number | null },
) {
  const [plan] = await h.db.adminDb
    .insert(subscriptionPlans)
    .values({ id: `test-${randomUUID()}`, name: 'Tiny', ...limits })
    .returning();
  await changeOrganizationPlan(h.db.adminDb, { organizationId: f.org.id, plan: plan!, actorId: null });
}

const subscriptionOf = async (token: string) => {
  const response = await as(h.app, token).get('/subscription');
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
};

const newTicket = (n: number) => ({
  title: `Question ${n}`,
  description: 'Where is my parcel?',
  customer: { email: `customer-${randomUUID().slice(0, 8)}@example.test`, name: 'Carl' },
});

describe('usage counters', () => {
  let db: DatabaseHandle;
  beforeAll(async () => {
    // More connections than the harness's, so the 50 creations really run side by side.
    db = await openTestDatabase(20);
  });
  afterAll(() => db.close());

  it('counts 50 concurrent ticket creations exactly, and those over the monthly limit', async () => {
    const f = await createApiFixture(h.db);
    await onPlan(f, { maxTicketsPerMonth: 40 });
    await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        db.withTenant({ organizationId: f.org.id }, (tx) =>
          createTicket(tx, {
            organizationId: f.org.id,
            customerId: f.customer.id,
            title: `Ticket ${n}`,
            description: 'Concurrent',
          }),
        ),
      ),
    );
    const { usage } = await subscriptionOf(f.tokens.agent);
    expect(usage).toMatchObject({ ticketsCreated: 50, ticketsOverLimit: 10 });
  });

  it('counts a retried ticket, customer message and delivery once', async () => {
    const f = await createApiFixture(h.db);
    const mailer: Mailer = createSmtpMailer(`smtp://${h.tickets.sink.host}:${h.tickets.sink.port}`);
    try {
      const acts = createActivities({
        db: h.db,
        mailer,
        storage: h.storage,
        defaultFrom: SUPPORT_ADDRESS,
        surveyLinks: TEST_SURVEY_LINKS,
      });
      const inbound = (messageKey: string) => ({
        messageKey,
        fromAddress: 'carla@example.test',
        subject: 'Hi',
      });
      const input = ticketInput(f, { inbound: inbound(`${randomUUID()}@customer.test`) });
      const opened = await acts.openTicket(input);
      await acts.openTicket(input);
      const message = {
        ticketId: input.ticketId,
        organizationId: f.org.id,
        message: {
          senderId: f.customer.id,
          content: 'Any news?',
          emailMessageId: `${randomUUID()}@customer.test`,
          inbound: inbound(`${randomUUID()}@customer.test`),
        },
      };
      await acts.addCustomerMessage(message);
      await acts.addCustomerMessage(message);
      const delivery = { outboundId: opened.acknowledgementId!, organizationId: f.org.id };
      await acts.deliverEmail(delivery);
      await acts.deliverEmail(delivery);

      const { usage } = await subscriptionOf(f.tokens.agent);
      expect(usage).toMatchObject({ ticketsCreated: 1, inboundEmails: 2, outboundEmails: 1 });
    } finally {
      mailer.close();
    }
  });
});

describe('limits', () => {
  it('refuses an agent over the plan’s seats with 402 naming the limit; customers stay free', async () => {
    const f = await createApiFixture(h.db);
    await onPlan(f, { maxAgents: 3 }); // the fixture's owner, admin and agent
    const admin = as(h.app, f.tokens.admin);
    const customer = await admin.post('/members', { email: 'buyer@example.test', role: 'customer' });
    expect(customer.statusCode).toBe(201);
    const promoted = await admin.patch(`/members/${customer.json().userId}`, { role: 'agent' });
    expect(promoted.statusCode).toBe(402);
    expect(errorOf(promoted)).toMatchObject({
      code: 'plan_limit_exceeded',
      message: 'The Tiny plan allows 3 agents; this organisation already has 3',
      details: { limit: 'agents', allowed: 3, current: 3 },
    });
    // Staff changing rank take no extra seat.
    expect((await admin.patch(`/members/${f.agent.id}`, { role: 'admin' })).statusCode).toBe(200);

    const members = (await admin.get('/members')).json().data as { role: string }[];
    expect(members.filter((m) => m.role !== 'customer')).toHaveLength(3);
  });

  it('gives the last mailbox to exactly one of several concurrent requests', async () => {
    const f = await createApiFixture(h.db);
    await onPlan(f, { maxMailboxes: 1 });
    const mailbox = () => ({ name: 'Support', address: `support-${randomUUID().slice(0, 8)}@acme.test` });
    const admin = as(h.app, f.tokens.admin);
    const responses = await Promise.all(Array.from({ length: 5 }, () => admin.post('/mailboxes', mailbox())));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 402, 402, 402, 402]);
    const refused = responses.find((r) => r.statusCode === 402)!;
    expect(errorOf(refused).message).toBe('The Tiny plan allows 1 mailbox; this organisation already has 1');
    expect((await admin.get('/mailboxes')).json().data).toHaveLength(1);
  });

  it('refuses agent-created tickets over the monthly limit, but a repeated request still gets its ticket', async () => {
    const f = await createApiFixture(h.db);
    await onPlan(f, { maxTicketsPerMonth: 1 });
    const agent = as(h.app, f.tokens.agent);
    const key = { 'idempotency-key': randomUUID() };
    const first = await agent.post('/tickets', newTicket(1), key);
    expect(first.statusCode, first.body).toBe(201);

    const second = await agent.post('/tickets', newTicket(2));
    expect(second.statusCode).toBe(402);
    expect(errorOf(second)).toMatchObject({
      code: 'plan_limit_exceeded',
      message: 'The Tiny plan allows 1 ticket per month; this organisation has created 1 this month',
    });
    const repeated = await agent.post('/tickets', newTicket(1), key);
    expect(repeated.statusCode).toBe(201);
    expect(repeated.json().id).toBe(first.json().id);
    expect(await ticketsOf(h.db, f.org.id)).toHaveLength(1);

    // The acknowledgement of the one ticket counts as sent mail once it is out.
    await eventually(async () => {
      const [ack] = await h.db.adminDb
        .select({ status: outboundEmails.status })
        .from(outboundEmails)
        .where(and(eq(outboundEmails.ticketId, first.json().id), eq(outboundEmails.kind, 'acknowledgement')));
      expect(ack?.status).toBe('sent');
    });
    expect((await subscriptionOf(f.tokens.agent)).usage).toMatchObject({
      ticketsCreated: 1,
      ticketsOverLimit: 0,
      outboundEmails: 1,
    });
  });

  it('still opens a ticket for a customer’s email over the limit, and records the overage', async () => {
    const f = await createApiFixture(h.db);
    await onPlan(f, { maxTicketsPerMonth: 0 });
    const pipeline = createIngestPipeline({
      db: h.db,
      tickets: h.tickets.commands,
      storage: h.storage,
      limits: INGEST_LIMITS,
      ourAddresses: [SUPPORT_ADDRESS],
      log: silentLogger,
    });
    const email = customerEmail({ to: SUPPORT_ADDRESS, subject: 'Order never arrived', body: 'Help' });
    const outcome = await pipeline.ingest(Buffer.from(email), { organizationId: f.org.id });
    expect(outcome.outcome).toBe('ticket_created');
    await eventually(async () =>
      expect((await ticketsOf(h.db, f.org.id)).map((t) => t.title)).toEqual(['Order never arrived']),
    );
    expect((await subscriptionOf(f.tokens.agent)).usage).toMatchObject({
      ticketsCreated: 1,
      ticketsOverLimit: 1,
      inboundEmails: 1,
    });
    // The agents' own requests are what the limit refuses.
    expect((await as(h.app, f.tokens.agent).post('/tickets', newTicket(1))).statusCode).toBe(402);
  });
});

describe('GET /subscription', () => {
  it('shows each organisation its own plan, limits, period and usage only', async () => {
    const a = await createApiFixture(h.db, 'Alpha');
    const b = await createApiFixture(h.db, 'Beta');
    await onPlan(a, { maxAgents: 10, maxMailboxes: null, maxTicketsPerMonth: 100 });
    expect((await as(h.app, a.tokens.agent).post('/tickets', newTicket(1))).statusCode).toBe(201);

    const ofA = await subscriptionOf(a.tokens.agent);
    const month = new Date().toISOString().slice(0, 7);
    expect(ofA).toMatchObject({
      plan: { name: 'Tiny', limits: { agents: 10, mailboxes: null, ticketsPerMonth: 100 } },
      period: { start: `${month}-01` },
      usage: { agents: 3, mailboxes: 0, ticketsCreated: 1 },
    });
    expect(ofA.period.end > ofA.period.start).toBe(true);

    const ofB = await subscriptionOf(b.tokens.owner);
    expect(ofB.plan).toMatchObject({ id: 'free', limits: { agents: 5, mailboxes: 2, ticketsPerMonth: 500 } });
    expect(ofB.usage).toEqual({
      agents: 3,
      mailboxes: 0,
      ticketsCreated: 0,
      ticketsOverLimit: 0,
      inboundEmails: 0,
      outboundEmails: 0,
    });
    expect((await as(h.app, b.tokens.customer).get('/subscription')).statusCode).toBe(403);
  });
});
