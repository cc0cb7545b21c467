import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { recordMessageAttachments } from '../../src/db/queries/attachments.js';
import { cannedResponses, outboundEmails, ticketMessages } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';

const h = useApiHarness();

async function openTicket(f: ApiFixture) {
  const response = await as(h.app, f.tokens.agent).post('/tickets', {
    customer: { email: `c-${randomUUID().slice(0, 8)}@example.test`, name: 'Carla Customer' },
    title: 'Cannot log in',
    description: 'The password is refused.',
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; ticketNumber: number; customerId: string };
}

const repliesTo = (ticketId: string) =>
  h.db.adminDb.select().from(outboundEmails).where(eq(outboundEmails.ticketId, ticketId));

describe('POST /tickets/:id/messages', () => {
  it('emails a public reply to the customer and meets the first-response SLA', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const response = await as(h.app, f.tokens.agent).post(`/tickets/${ticket.id}/messages`, {
      content: 'Please try resetting your password.',
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      type: 'reply',
      internal: false,
      content: 'Please try resetting your password.',
      sender: { id: f.agent.id, name: 'Adam Agent', role: 'agent' },
      attachments: [],
    });
    const mail = await h.tickets.sink.waitFor((m) => /resetting your password/.test(m.text ?? ''));
    expect(mail.subject).toMatch(/#1/);
    expect((await h.tickets.commands.slaState(ticket.id))?.clocks.first_response.outcome).toBe('met');
  });

  it('keeps an internal note inside the team: no email, no effect on the SLA', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const response = await as(h.app, f.tokens.agent).post(`/tickets/${ticket.id}/messages`, {
      content: 'Customer is on the legacy plan.',
      internal: true,
    });
    expect(response.json()).toMatchObject({ type: 'internal_note', internal: true });
    expect((await repliesTo(ticket.id)).map((m) => m.kind)).toEqual(['acknowledgement']);
    expect((await h.tickets.commands.slaState(ticket.id))?.clocks.first_response.outcome).toBe('running');
  });

  it('shows the latest reply’s time in the list; a note does not move it', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const api = as(h.app, f.tokens.agent);
    const listed = async () =>
      (await api.get('/tickets?count=none')).json().data.find((t: { id: string }) => t.id === ticket.id)
        .lastMessageAt as string | null;
    const opened = await listed();
    await api.post(`/tickets/${ticket.id}/messages`, { content: 'A note.', internal: true });
    expect(await listed()).toBe(opened);
    const reply = (await api.post(`/tickets/${ticket.id}/messages`, { content: 'A reply.' })).json();
    const replied = await listed();
    expect(replied).not.toBeNull();
    expect(Date.parse(replied!)).toBeGreaterThanOrEqual(Date.parse(reply.createdAt));
    expect((await api.get(`/tickets/${ticket.id}`)).json().lastMessageAt).toBe(replied);
  });

  it('fills a canned response, chosen by id or by shortcut, with the ticket’s placeholders', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const [canned] = await h.db.adminDb
      .insert(cannedResponses)
      .values({
        organizationId: f.org.id,
        title: 'Greeting',
        shortcut: '/hello',
        content: 'Hello {{customer.name}}, ticket #{{ticket.number}} is with me. {{agent.name}}',
      })
      .returning();
    const api = as(h.app, f.tokens.agent);
    const expected = `Hello Carla Customer, ticket #${ticket.ticketNumber} is with me. Adam Agent`;
    const byId = await api.post(`/tickets/${ticket.id}/messages`, {
      cannedResponseId: canned!.id,
      internal: true,
    });
    expect(byId.json().content).toBe(expected);
    const byShortcut = await api.post(`/tickets/${ticket.id}/messages`, { shortcut: '/hello' });
    expect(byShortcut.json().content).toBe(expected);

    const other = await createApiFixture(h.db, 'Other');
    const foreignCanned = await as(h.app, other.tokens.agent).post('/canned-responses', {
      title: 'Theirs',
      content: 'Not yours',
      shortcut: '/theirs',
    });
    for (const body of [{ cannedResponseId: foreignCanned.json().id }, { shortcut: '/theirs' }]) {
      const response = await api.post(`/tickets/${ticket.id}/messages`, body);
      expect(response.statusCode).toBe(422);
      expect(errorOf(response).message).toBe('no such canned response');
    }
  });

  it('adds and sends a retried request once when it carries an Idempotency-Key', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const api = as(h.app, f.tokens.agent);
    const headers = { 'idempotency-key': 'reply-42' };
    const first = await api.post(`/tickets/${ticket.id}/messages`, { content: 'Once only' }, headers);
    const retry = await api.post(`/tickets/${ticket.id}/messages`, { content: 'Once only' }, headers);
    expect(retry.json().id).toBe(first.json().id);
    const stored = await h.db.adminDb
      .select()
      .from(ticketMessages)
      .where(eq(ticketMessages.content, 'Once only'));
    expect(stored).toHaveLength(1);
    expect((await repliesTo(ticket.id)).filter((m) => m.kind === 'reply')).toHaveLength(1);
    // Another agent's request with the same key is a request of its own.
    const colleague = await as(h.app, f.tokens.admin).post(
      `/tickets/${ticket.id}/messages`,
      { content: 'Once only' },
      headers,
    );
    expect(colleague.json().id).not.toBe(first.json().id);
  });

  it('needs exactly one source of content, and validates each field', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const api = as(h.app, f.tokens.agent);
    const url = `/tickets/${ticket.id}/messages`;
    for (const body of [{}, { content: 'x', shortcut: '/hello' }, { internal: true }]) {
      const response = await api.post(url, body);
      expect(response.statusCode).toBe(400);
      expect(errorOf(response).details).toEqual([
        { field: 'body', message: 'needs exactly one of content, cannedResponseId or shortcut' },
      ]);
    }
    const badShortcut = await api.post(url, { shortcut: 'hello' });
    expect(errorOf(badShortcut).details).toEqual([
      { field: 'body.shortcut', message: 'must match pattern "^/[\\w-]+$"' },
    ]);
    const empty = await api.post(url, { content: '' });
    expect(errorOf(empty).details).toEqual([
      { field: 'body.content', message: 'must NOT have fewer than 1 characters' },
    ]);
  });

  it('answers 404 for another organisation’s ticket and 409 once the ticket is closed', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const ticket = await openTicket(f);
    const foreign = await as(h.app, other.tokens.agent).post(`/tickets/${ticket.id}/messages`, {
      content: 'Hi',
    });
    const missing = await as(h.app, other.tokens.agent).post(`/tickets/${randomUUID()}/messages`, {
      content: 'Hi',
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual(missing.json());

    await as(h.app, f.tokens.agent).patch(`/tickets/${ticket.id}`, { status: 'closed' });
    const late = await as(h.app, f.tokens.agent).post(`/tickets/${ticket.id}/messages`, { content: 'Hi' });
    expect(late.statusCode).toBe(409);
  });
});

describe('attachments', () => {
  const pdf = Buffer.from('%PDF-1.4 pretend report');

  async function replyWithFile(
    f: ApiFixture,
    ticketId: string,
    filename: string,
    mimeType: string,
    data: Buffer,
  ) {
    const response = await as(h.app, f.tokens.agent).post(`/tickets/${ticketId}/messages`, {
      content: 'See attached',
      attachments: [{ filename, mimeType, contentBase64: data.toString('base64') }],
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().attachments[0] as { id: string; url: string; filename: string; size: number };
  }

  it('stores files sent with a reply and streams them back to the organisation', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const attachment = await replyWithFile(f, ticket.id, '../../Report Q1.pdf', 'application/pdf', pdf);
    expect(attachment).toMatchObject({
      filename: 'Report Q1.pdf',
      size: pdf.length,
      url: `/attachments/${attachment.id}`,
    });

    const download = await as(h.app, f.tokens.agent).get(attachment.url);
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(pdf)).toBe(true);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="Report Q1.pdf"; filename*=UTF-8''Report%20Q1.pdf`,
    );

    const detail = (await as(h.app, f.tokens.agent).get(`/tickets/${ticket.id}`)).json();
    const listed = detail.messages.flatMap((m: { attachments: unknown[] }) => m.attachments);
    expect(listed).toEqual([attachment]);
    expect(JSON.stringify(detail)).not.toContain('storageKey');

    // The customer gets the file with the reply.
    const mail = await h.tickets.sink.waitFor((m) =>
      m.attachments.some((a) => a.filename === 'Report Q1.pdf'),
    );
    expect(mail.attachments.map((a) => [a.filename, a.content.equals(pdf)])).toEqual([
      ['Report Q1.pdf', true],
    ]);
  });

  it('serves files stored by ingest (Attachment with a storage key) the same way', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const stored = await h.storage.put(f.org.id, Buffer.from('<svg onload="alert(1)"/>'));
    const id = randomUUID();
    const files = [
      { id, filename: 'shot.svg', url: stored.key, mimeType: 'image/svg+xml', size: stored.size },
    ];
    await h.db.adminDb.transaction(async (tx) => {
      const [message] = await tx
        .insert(ticketMessages)
        .values({
          ticketId: ticket.id,
          senderId: ticket.customerId,
          content: 'Screenshot attached',
          attachments: files,
        })
        .returning();
      await recordMessageAttachments(tx, f.org.id, message!.id, files);
    });
    const download = await as(h.app, f.tokens.agent).get(`/attachments/${id}`);
    expect(download.statusCode).toBe(200);
    // Active content from a customer is never rendered by the browser as if it came from us.
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.headers['content-security-policy']).toContain('sandbox');
  });

  it('answers another organisation’s attachment exactly like a missing one', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db, 'Other');
    const ticket = await openTicket(f);
    const attachment = await replyWithFile(f, ticket.id, 'a.pdf', 'application/pdf', pdf);
    const foreign = await as(h.app, other.tokens.agent).get(attachment.url);
    const missing = await as(h.app, other.tokens.agent).get(`/attachments/${randomUUID()}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual(missing.json());
    expect(errorOf(foreign).message).toBe('attachment not found');
  });

  it('validates uploads', async () => {
    const f = await createApiFixture(h.db);
    const ticket = await openTicket(f);
    const response = await as(h.app, f.tokens.agent).post(`/tickets/${ticket.id}/messages`, {
      content: 'x',
      attachments: [{ filename: 'a.txt', mimeType: 'not a type', contentBase64: 'aGk=' }],
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).details).toEqual([
      { field: 'body.attachments.0.mimeType', message: 'must match pattern "^[\\w.+-]+/[\\w.+-]+$"' },
    ]);
  });
});
