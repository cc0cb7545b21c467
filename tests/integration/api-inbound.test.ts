// POST /inbound: mail forwarded by a provider's webhook goes through the same pipeline as IMAP.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildTestApp, tokenFor } from '../support/api.js';
import { createOrganizationFixture } from '../support/db.js';
import {
  customerEmail,
  eventually,
  type IngestHarness,
  startIngestHarness,
  ticketsOf,
} from '../support/ingest-harness.js';

const SECRET = 'inbound-secret-0123456789';
let h: IngestHarness;
let app: FastifyInstance;

beforeAll(async () => {
  h = await startIngestHarness();
  app = await buildTestApp(h, {
    inbound: { secret: SECRET, pipeline: h.pipeline, maxBytes: 1024 * 1024 },
  });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const post = (payload: string | Buffer, secret: string | null = SECRET, contentType = 'message/rfc822') =>
  app.inject({
    method: 'POST',
    url: '/inbound',
    payload,
    headers: {
      'content-type': contentType,
      ...(secret === null ? {} : { authorization: `Bearer ${secret}` }),
    },
  });

describe('POST /inbound', () => {
  it('turns a forwarded email into a ticket of the mailbox it was sent to, once', async () => {
    const f = await createOrganizationFixture(h.db);
    const mailbox = await h.createMailbox(f.org.id);
    const raw = customerEmail({ to: mailbox.address, subject: 'Webhook ticket', body: 'Hello' });
    const first = await post(raw);
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json().outcome).toBe('ticket_created');
    const again = await post(raw);
    expect(again.json().outcome).toBe('duplicate');
    await eventually(async () =>
      expect((await ticketsOf(h.db, f.org.id)).map((t) => t.title)).toEqual(['Webhook ticket']),
    );
    const [ticket] = await ticketsOf(h.db, f.org.id);
    expect(ticket!.mailboxId).toBe(mailbox.id);
  });

  it('files tickets under the mailbox they came in through, for the inbox filter', async () => {
    const f = await createOrganizationFixture(h.db);
    const [sales, support] = [await h.createMailbox(f.org.id), await h.createMailbox(f.org.id)];
    for (const [mailbox, subject] of [
      [sales!, 'Quote please'],
      [support!, 'Printer broken'],
      [support!, 'Login fails'],
    ] as const) {
      const response = await post(customerEmail({ to: mailbox.address, subject, body: 'Hello' }));
      expect(response.json().outcome).toBe('ticket_created');
    }
    await eventually(async () => expect(await ticketsOf(h.db, f.org.id)).toHaveLength(3));
    const agent = as(app, await tokenFor(h.db, f, f.agent));
    const titles = async (url: string) => {
      const response = await agent.get(url);
      expect(response.statusCode, response.body).toBe(200);
      return (response.json().data as { title: string }[]).map((t) => t.title).sort();
    };
    expect(await titles(`/tickets?mailboxId=${support!.id}`)).toEqual(['Login fails', 'Printer broken']);
    expect(await titles(`/tickets?mailboxId=${sales!.id}&cursor=`)).toEqual(['Quote please']);
    // Another organisation's mailbox is no filter into its tickets.
    const other = await createOrganizationFixture(h.db);
    const theirs = await h.createMailbox(other.org.id);
    expect(await titles(`/tickets?mailboxId=${theirs.id}`)).toEqual([]);
    expect((await agent.get('/tickets?mailboxId=not-a-uuid')).statusCode).toBe(400);
  });

  it('refuses a missing or wrong secret without looking at the message', async () => {
    const f = await createOrganizationFixture(h.db);
    const mailbox = await h.createMailbox(f.org.id);
    const raw = customerEmail({ to: mailbox.address, subject: 'Sneaky' });
    for (const secret of [null, 'wrong', `${SECRET}x`]) {
      const response = await post(raw, secret);
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('unauthenticated');
    }
    expect(await ticketsOf(h.db, f.org.id)).toEqual([]);
  });

  it('answers 422 for mail to no mailbox of ours, and for an empty body', async () => {
    const stranger = await post(customerEmail({ to: `nobody-${randomUUID()}@elsewhere.test` }));
    expect(stranger.statusCode).toBe(422);
    expect(stranger.json().error.message).toMatch(/no mailbox/);
    const empty = await post('', SECRET, 'application/octet-stream');
    expect(empty.statusCode).toBeGreaterThanOrEqual(400);
    expect(empty.statusCode).toBeLessThan(500);
    expect(empty.json().error).toBeDefined();
  });

  it('quarantines garbage sent to a mailbox and ignores auto-replies, as IMAP does', async () => {
    const f = await createOrganizationFixture(h.db);
    const mailbox = await h.createMailbox(f.org.id);
    const garbage = Buffer.concat([
      Buffer.from(`To: ${mailbox.address}\r\n\r\n`),
      Buffer.from([0, 255, 254, 0, 1]),
    ]);
    expect((await post(garbage)).json().outcome).toBe('quarantined');
    const autoReply = customerEmail({
      to: mailbox.address,
      subject: 'Out of office',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    expect((await post(autoReply)).json().outcome).toBe('ignored');
    expect(await ticketsOf(h.db, f.org.id)).toEqual([]);
  });
});
