// The attachments table is the one source of message files: what GET /attachments/:id serves, what the
// message's attachments list shows, with identical files of an organisation stored once.
import { createHash, randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/app.js';
import { recordMessageAttachments } from '../../src/db/queries/attachments.js';
import { attachments, mailboxes, ticketMessages, tickets } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';
import { eventually, messagesOf, ticketsOf } from '../support/ingest-harness.js';
import { ticketInput } from '../support/ticket-harness.js';

const h = useApiHarness();
const SECRET = 'attachments-inbound-secret-0123456789';
/** The harness's API with `POST /inbound` running the real ingest pipeline. */
let app: Api;

beforeAll(async () => {
  app = await h.buildInboundApp(SECRET);
});

const pdf = Buffer.from('%PDF-1.4 quarterly report, identical everywhere');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function openTicket(f: ApiFixture): Promise<string> {
  const input = ticketInput(f);
  await h.tickets.commands.open(input, { waitForTicket: true });
  return input.ticketId;
}

type ListedAttachment = { id: string; filename: string; mimeType: string; size: number; url: string };

async function replyWithFile(
  f: ApiFixture,
  ticketId: string,
  file: { filename: string; mimeType: string; bytes: Buffer },
  headers: Record<string, string> = {},
) {
  const response = await as(app, f.tokens.agent).post(
    `/tickets/${ticketId}/messages`,
    {
      content: 'See attached',
      attachments: [
        { filename: file.filename, mimeType: file.mimeType, contentBase64: file.bytes.toString('base64') },
      ],
    },
    headers,
  );
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; attachments: ListedAttachment[] };
}

const rowsOf = (organizationId: string) =>
  h.db.adminDb
    .select()
    .from(attachments)
    .where(eq(attachments.organizationId, organizationId))
    .orderBy(asc(attachments.createdAt), asc(attachments.filename));

async function expectDownload(
  token: string,
  url: string,
  expected: { filename: string; mimeType: string; bytes: Buffer },
) {
  const download = await as(app, token).get(url);
  expect(download.statusCode, download.body).toBe(200);
  expect(download.rawPayload.equals(expected.bytes)).toBe(true);
  expect(download.headers['content-type']).toBe(expected.mimeType);
  expect(download.headers['content-disposition']).toContain(`filename="${expected.filename}"`);
}

describe('files of agents’ replies', () => {
  it('keeps one stored copy of a file sent twice, listed and downloadable from both messages', async () => {
    const f = await createApiFixture(h.db);
    const ticketId = await openTicket(f);
    const file = { filename: 'report.pdf', mimeType: 'application/pdf', bytes: pdf };
    const first = await replyWithFile(f, ticketId, file);
    const second = await replyWithFile(f, ticketId, { ...file, filename: 'report-again.pdf' });

    const rows = await rowsOf(f.org.id);
    expect(rows.map((r) => [r.id, r.messageId])).toEqual([
      [first.attachments[0]!.id, first.id],
      [second.attachments[0]!.id, second.id],
    ]);
    expect(new Set(rows.map((r) => r.storageKey))).toEqual(new Set([`${f.org.id}/${sha256(pdf)}`]));
    expect(rows.every((r) => r.sha256 === sha256(pdf))).toBe(true);

    await expectDownload(f.tokens.agent, first.attachments[0]!.url, file);
    await expectDownload(f.tokens.agent, second.attachments[0]!.url, {
      ...file,
      filename: 'report-again.pdf',
    });
  });

  it('lists on the message exactly the files the table holds', async () => {
    const f = await createApiFixture(h.db);
    const ticketId = await openTicket(f);
    await replyWithFile(f, ticketId, {
      filename: 'notes.txt',
      mimeType: 'text/plain',
      bytes: Buffer.from('hi'),
    });
    await replyWithFile(f, ticketId, {
      filename: 'shot.png',
      mimeType: 'image/png',
      bytes: Buffer.from('png'),
    });

    const detail = (await as(app, f.tokens.agent).get(`/tickets/${ticketId}`)).json() as {
      messages: { id: string; attachments: ListedAttachment[] }[];
    };
    const listed = detail.messages.flatMap((m) =>
      m.attachments.map((a) => ({
        messageId: m.id,
        id: a.id,
        filename: a.filename,
        mimeType: a.mimeType,
        size: a.size,
      })),
    );
    const rows = (await rowsOf(f.org.id)).map((r) => ({
      messageId: r.messageId,
      id: r.id,
      filename: r.filename,
      mimeType: r.mimeType,
      size: r.sizeBytes,
    }));
    expect(listed).toHaveLength(2);
    expect(rows).toEqual(expect.arrayContaining(listed));
    expect(rows).toHaveLength(listed.length);
  });

  it('adds no rows when a reply is retried with the same Idempotency-Key', async () => {
    const f = await createApiFixture(h.db);
    const ticketId = await openTicket(f);
    const file = { filename: 'invoice.pdf', mimeType: 'application/pdf', bytes: pdf };
    const headers = { 'idempotency-key': 'invoice-1' };
    const first = await replyWithFile(f, ticketId, file, headers);
    const retry = await replyWithFile(f, ticketId, file, headers);
    expect(retry.attachments).toEqual(first.attachments);
    expect((await rowsOf(f.org.id)).map((r) => r.id)).toEqual([first.attachments[0]!.id]);
  });

  it('stores another organisation’s identical file under its own scope, and hides each from the other', async () => {
    const a = await createApiFixture(h.db);
    const b = await createApiFixture(h.db, 'Other');
    const file = { filename: 'report.pdf', mimeType: 'application/pdf', bytes: pdf };
    const ofA = (await replyWithFile(a, await openTicket(a), file)).attachments[0]!;
    const ofB = (await replyWithFile(b, await openTicket(b), file)).attachments[0]!;

    const [rowA] = await rowsOf(a.org.id);
    const [rowB] = await rowsOf(b.org.id);
    expect(rowA!.storageKey).toBe(`${a.org.id}/${sha256(pdf)}`);
    expect(rowB!.storageKey).toBe(`${b.org.id}/${sha256(pdf)}`);

    const foreign = await as(app, b.tokens.agent).get(ofA.url);
    const missing = await as(app, b.tokens.agent).get(`/attachments/${randomUUID()}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual(missing.json());
    expect(errorOf(foreign).message).toBe('attachment not found');
    await expectDownload(b.tokens.agent, ofB.url, file);
  });

  it('stops serving the files of a deleted ticket', async () => {
    const f = await createApiFixture(h.db);
    const ticketId = await openTicket(f);
    const file = { filename: 'report.pdf', mimeType: 'application/pdf', bytes: pdf };
    const attachment = (await replyWithFile(f, ticketId, file)).attachments[0]!;
    await expectDownload(f.tokens.agent, attachment.url, file);
    await h.db.adminDb.update(tickets).set({ deletedAt: new Date() }).where(eq(tickets.id, ticketId));
    expect((await as(app, f.tokens.agent).get(attachment.url)).statusCode).toBe(404);
  });
});

/** A customer email with one attached PDF. */
function emailWithPdf(opts: { to: string; messageId: string; inReplyTo?: string; filename: string }) {
  return [
    'From: Carla Customer <carla@customer.test>',
    `To: ${opts.to}`,
    'Subject: Contract attached',
    'Date: Tue, 01 Apr 2025 10:00:00 +0000',
    `Message-ID: <${opts.messageId}>`,
    ...(opts.inReplyTo ? [`In-Reply-To: <${opts.inReplyTo}>`] : []),
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please find the contract attached.',
    '--b1',
    `Content-Type: application/pdf; name="${opts.filename}"`,
    `Content-Disposition: attachment; filename="${opts.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    pdf.toString('base64'),
    '--b1--',
    '',
  ].join('\r\n');
}

describe('files of inbound email', () => {
  const deliver = (raw: string) =>
    app.inject({
      method: 'POST',
      url: '/inbound',
      payload: raw,
      headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${SECRET}` },
    });

  it('records the files of a new ticket and of a follow-up once, served from one stored copy', async () => {
    const f = await createApiFixture(h.db);
    const address = `support-${randomUUID().slice(0, 8)}@acme.test`;
    const mailbox = await as(app, f.tokens.admin).post('/mailboxes', { name: 'Support', address });
    expect(mailbox.statusCode, mailbox.body).toBe(201);
    // Verified (as by its emailed link): only a verified address routes inbound mail.
    await h.db.adminDb
      .update(mailboxes)
      .set({ verifiedAt: new Date() })
      .where(eq(mailboxes.id, mailbox.json().id));

    const firstId = `${randomUUID()}@customer.test`;
    const first = emailWithPdf({ to: address, messageId: firstId, filename: 'contract.pdf' });
    expect((await deliver(first)).json().outcome).toBe('ticket_created');
    const followUp = emailWithPdf({
      to: address,
      messageId: `${randomUUID()}@customer.test`,
      inReplyTo: firstId,
      filename: 'contract-signed.pdf',
    });
    expect((await deliver(followUp)).json().outcome).toBe('message_added');

    const rows = await eventually(async () => {
      const found = await rowsOf(f.org.id);
      expect(found).toHaveLength(2);
      return found;
    });
    const [ticket] = await ticketsOf(h.db, f.org.id);
    const listed = (await messagesOf(h.db, ticket!.id)).flatMap((m) =>
      (m.attachments ?? []).map((a) => [a.id, m.id, a.filename, a.size]),
    );
    expect(rows.map((r) => [r.id, r.messageId, r.filename, r.sizeBytes])).toEqual(listed);
    expect(rows.map((r) => r.storageKey)).toEqual([
      `${f.org.id}/${sha256(pdf)}`,
      `${f.org.id}/${sha256(pdf)}`,
    ]);
    for (const row of rows)
      await expectDownload(f.tokens.agent, `/attachments/${row.id}`, {
        filename: row.filename,
        mimeType: 'application/pdf',
        bytes: pdf,
      });

    // The same email again is a duplicate, and a retried write of the message's files adds nothing.
    expect((await deliver(first)).json().outcome).toBe('duplicate');
    const [firstMessage] = await h.db.adminDb
      .select()
      .from(ticketMessages)
      .where(eq(ticketMessages.id, rows[0]!.messageId));
    await h.db.withTenant({ organizationId: f.org.id }, (tx) =>
      recordMessageAttachments(tx, f.org.id, firstMessage!.id, firstMessage!.attachments ?? []),
    );
    expect((await rowsOf(f.org.id)).map((r) => r.id)).toEqual(rows.map((r) => r.id));
  });
});
