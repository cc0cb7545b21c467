// The product's story on real services: Dovecot (IMAP), PostgreSQL, a Temporal dev server, an SMTP
// receiver, the ingest and ticket workers and the API. One minute of real time is the SLA budget.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/api/auth/tokens.js';
import { buildTestApp } from '../support/api.js';
import { createOrganizationFixture, type OrganizationFixture } from '../support/db.js';
import {
  bare,
  customerEmail,
  eventually,
  type IngestHarness,
  startIngestHarness,
  type TestMailbox,
} from '../support/ingest-harness.js';
import { setPolicy } from '../support/ticket-harness.js';

let h: IngestHarness;
let app: FastifyInstance;
let f: OrganizationFixture;
let mailbox: TestMailbox;
let token: string;

beforeAll(async () => {
  h = await startIngestHarness();
  const { taskQueue } = await h.startWorker();
  f = await createOrganizationFixture(h.db, 'Storybook');
  await setPolicy(h.db, f, 'medium', 1, 24 * 60);
  mailbox = await h.createMailbox(f.org.id);
  await h.startReader(mailbox.id, taskQueue);
  app = await buildTestApp(h);
  token = (
    await h.db.withTenant({ organizationId: f.org.id, userId: f.agent.id }, (tx) =>
      issueApiToken(tx, {
        organizationId: f.org.id,
        userId: f.agent.id,
        name: 'e2e',
        createdById: null,
        expiresAt: null,
      }),
    )
  ).token;
}, 180_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
  const response = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.json();
};

describe('the whole story', () => {
  it('email → ticket + acknowledgement → agent reply → customer answer threads → unanswered ticket escalates', async () => {
    const sink = h.tickets.sink;
    const carla = `carla-${randomUUID().slice(0, 6)}@customer.test`;
    const dave = `dave-${randomUUID().slice(0, 6)}@customer.test`;

    // 1. A customer emails the support inbox; a ticket appears and she gets an acknowledgement.
    await mailbox.append(
      customerEmail({
        from: `Carla <${carla}>`,
        to: mailbox.address,
        subject: 'Printer on fire',
        body: 'Smoke everywhere.',
      }),
    );
    const ack = await sink.waitFor((m) => m.envelope.to.includes(carla), 20_000);
    expect(ack.subject).toBe('[#1] Printer on fire');

    // 2. A second customer writes too; nobody will answer him.
    await mailbox.append(
      customerEmail({
        from: `Dave <${dave}>`,
        to: mailbox.address,
        subject: 'Invoice missing',
        body: 'Where is it?',
      }),
    );
    await sink.waitFor((m) => m.envelope.to.includes(dave), 20_000);

    // 3. An agent lists the open tickets and answers Carla through the API.
    const list = await eventually(async () => {
      const body = await api('GET', '/tickets?status=open&sort=created&order=asc');
      expect(body.data).toHaveLength(2);
      return body.data as { id: string; ticketNumber: number; title: string }[];
    });
    const carlasTicket = list.find((t) => t.title === 'Printer on fire')!;
    await api('POST', `/tickets/${carlasTicket.id}/messages`, {
      content: 'Please unplug it.',
      internal: false,
    });
    const reply = await sink.waitFor(
      (m) => m.envelope.to.includes(carla) && m.subject === 'Re: [#1] Printer on fire',
      20_000,
    );
    expect(reply.text).toContain('Please unplug it.');

    // 4. Carla answers that email from her mail program: the answer threads into the same ticket.
    await mailbox.append(
      customerEmail({
        from: `Carla <${carla}>`,
        to: mailbox.address,
        subject: `Re: ${reply.subject}`,
        body: 'Done, thanks!\n\nOn Monday, support wrote:\n> Please unplug it.',
        inReplyTo: bare(reply.messageId),
        references: [...reply.references.map(bare), bare(reply.messageId)],
      }),
    );
    const detail = await eventually(async () => {
      const body = await api('GET', `/tickets/${carlasTicket.id}`);
      expect(body.messages.map((m: { content: string }) => m.content)).toContain('Done, thanks!');
      return body;
    });
    expect((await api('GET', '/tickets')).pagination.total).toBe(2);
    expect(detail.sla.clocks.first_response.outcome).toBe('met');

    // 5. Dave's ticket misses its one-minute first response: the managers hear about it, once.
    const escalation = await sink.waitFor((m) => /SLA breach/.test(m.subject ?? ''), 120_000);
    expect(escalation.subject).toBe('[SLA breach] first response overdue on ticket #2: Invoice missing');
    expect(escalation.envelope.to).toEqual([f.owner.email]);
    const breached = await api('GET', '/tickets?slaBreached=true');
    expect(breached.data.map((t: { ticketNumber: number }) => t.ticketNumber)).toEqual([2]);
    expect(sink.messages.filter((m) => /SLA breach/.test(m.subject ?? ''))).toHaveLength(1);
  }, 240_000);
});
