// The organisation's own words and sender, end to end: mail in through the real pipeline (POST /inbound),
// ticket workflows on Temporal, PostgreSQL, the SMTP sink. Wording, display name and signature reach the
// customer; the resolution notice goes once and answering it reopens the ticket.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { AddressObject } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { outboundEmails } from '../../src/db/schema/index.js';
import { EMAIL_TEMPLATE_KINDS } from '../../src/domain/vocabulary.js';
import { as, errorOf, tokenFor } from '../support/api.js';
import { createOrganizationFixture, type OrganizationFixture } from '../support/db.js';
import { useInboundApi } from '../support/inbound-api.js';
import { bare, customerEmail, eventually, ticketsOf } from '../support/ingest-harness.js';
import type { CapturedMail } from '../support/smtp-sink.js';

const MAIL_WAIT = 60_000;
const stack = useInboundApi();

const inbound = (raw: string) => stack.inbound(raw);

const fromOf = (mail: CapturedMail) => (mail.parsed.from as AddressObject | undefined)?.value[0];
const mailTo = (address: string, subject: RegExp) =>
  stack.h.tickets.sink.waitFor(
    (m) => m.envelope.to.includes(address) && subject.test(m.subject ?? ''),
    MAIL_WAIT,
  );
const mailsTo = (address: string, subject: RegExp) =>
  stack.h.tickets.sink.messages.filter(
    (m) => m.envelope.to.includes(address) && subject.test(m.subject ?? ''),
  );

async function staff(f: OrganizationFixture) {
  return {
    owner: as(stack.app, await tokenFor(stack.h.db, f, f.owner)),
    agent: as(stack.app, await tokenFor(stack.h.db, f, f.agent)),
  };
}

describe('email templates, mailbox sender and resolution notice', () => {
  it("sends the organisation's wording from the receiving mailbox's name and signature; the notice reopens on reply", async () => {
    const f = await createOrganizationFixture(stack.h.db);
    const { owner, agent } = await staff(f);
    const mailbox = await stack.h.createMailbox(f.org.id);
    const signature = 'Acme Support team\nhttps://acme.example/help';
    const named = await owner.patch(`/mailboxes/${mailbox.id}`, { displayName: 'Acme Support', signature });
    expect(named.statusCode, named.body).toBe(200);
    expect(named.json()).toMatchObject({ displayName: 'Acme Support', signature });

    const ack = await owner.put('/email-templates/acknowledgement', {
      subject: 'Got it: [#{{ticket.number}}] {{ticket.title}}',
      body: 'Hi {{customer.name}}, ticket {{ticket.number}} at {{organization.name}} is open.\n{{#signature}}-- \n{{signature}}{{/signature}}',
    });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json()).toMatchObject({ kind: 'acknowledgement', customized: true });
    const reply = await owner.put('/email-templates/reply', {
      subject: 'Re: [#{{ticket.number}}] {{ticket.title}} ({{organization.name}})',
      body: '{{reply.content}}\n\nKind regards, {{organization.name}}',
    });
    expect(reply.statusCode, reply.body).toBe(200);
    const notice = await owner.patch('/organization', { resolutionNotice: true });
    expect(notice.statusCode, notice.body).toBe(200);
    expect(notice.json().settings.resolutionNotice).toBe(true);

    const customer = `carla-${randomUUID().slice(0, 8)}@customer.test`;
    const opened = await inbound(
      customerEmail({ from: `Carla <${customer}>`, to: mailbox.address, subject: 'Printer jams' }),
    );
    expect(opened.json().outcome).toBe('ticket_created');
    const ackMail = await mailTo(customer, /^Got it: \[#\d+\] Printer jams$/);
    expect(fromOf(ackMail)).toEqual({ name: 'Acme Support', address: mailbox.address });
    expect(ackMail.text?.trim()).toBe(
      `Hi Carla, ticket ${ackMail.subject!.match(/#(\d+)/)![1]} at ${f.org.name} is open.\n-- \n${signature}`,
    );
    const [ticket] = await ticketsOf(stack.h.db, f.org.id);

    const sent = await agent.post(`/tickets/${ticket!.id}/messages`, { content: 'Open the tray, please.' });
    expect(sent.statusCode, sent.body).toBe(201);
    const replyMail = await mailTo(customer, /\(.*\)$/);
    expect(replyMail.subject).toBe(`Re: [#${ticket!.ticketNumber}] Printer jams (${f.org.name})`);
    expect(replyMail.text?.trim()).toBe(`Open the tray, please.\n\nKind regards, ${f.org.name}`);
    expect(fromOf(replyMail)?.name).toBe('Acme Support');

    const resolved = await agent.patch(`/tickets/${ticket!.id}`, { status: 'resolved' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    const noticeMail = await mailTo(customer, /^Resolved: /);
    expect(noticeMail.subject).toBe(`Resolved: [#${ticket!.ticketNumber}] Printer jams`);
    expect(noticeMail.text).toContain('simply reply to this email and the ticket reopens');
    expect(noticeMail.text?.trim().endsWith(`-- \n${signature}`)).toBe(true);
    expect(noticeMail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(fromOf(noticeMail)).toEqual({ name: 'Acme Support', address: mailbox.address });
    expect(noticeMail.inReplyTo).toBeTruthy();

    // The customer answers the notice (no [#N] in the subject: the Message-ID alone threads it).
    const answered = await inbound(
      customerEmail({
        from: `Carla <${customer}>`,
        to: mailbox.address,
        subject: 'Still jams',
        inReplyTo: bare(noticeMail.messageId),
        references: [bare(noticeMail.messageId)],
      }),
    );
    expect(answered.json().outcome).toBe('message_added');
    await eventually(async () => {
      const [now] = await ticketsOf(stack.h.db, f.org.id);
      expect(now!.status).toBe('open');
    });
    // Resolving again sends a new notice; the first one was sent exactly once.
    expect((await agent.patch(`/tickets/${ticket!.id}`, { status: 'resolved' })).statusCode).toBe(200);
    await eventually(() => expect(mailsTo(customer, /^Resolved: /)).toHaveLength(2), MAIL_WAIT);
    expect(new Set(mailsTo(customer, /^Resolved: /).map((m) => m.messageId)).size).toBe(2);
  });

  it('sends no resolution notice unless the organisation turned it on, and the default wording otherwise', async () => {
    const f = await createOrganizationFixture(stack.h.db);
    const { agent } = await staff(f);
    const mailbox = await stack.h.createMailbox(f.org.id);
    const customer = `dora-${randomUUID().slice(0, 8)}@customer.test`;
    await inbound(customerEmail({ from: `Dora <${customer}>`, to: mailbox.address, subject: 'Lost key' }));
    const ackMail = await mailTo(customer, /^\[#\d+\] Lost key$/);
    expect(ackMail.text).toContain(`thank you for contacting ${f.org.name}`);
    expect(fromOf(ackMail)).toEqual({ name: '', address: mailbox.address });
    const [ticket] = await ticketsOf(stack.h.db, f.org.id);
    expect((await agent.patch(`/tickets/${ticket!.id}`, { status: 'resolved' })).statusCode).toBe(200);
    // The notice would be queued in the resolving transaction, which has committed when PATCH answers.
    const outbox = await stack.h.db.adminDb
      .select({ kind: outboundEmails.kind })
      .from(outboundEmails)
      .where(eq(outboundEmails.ticketId, ticket!.id));
    expect(outbox.map((m) => m.kind)).toEqual(['acknowledgement']);
    expect(mailsTo(customer, /^Resolved: /)).toEqual([]);
  });

  it('lists, previews, resets and refuses bad wording, roles and other organisations', async () => {
    const f = await createOrganizationFixture(stack.h.db);
    const other = await createOrganizationFixture(stack.h.db);
    const { owner, agent } = await staff(f);
    const theirs = (await staff(other)).owner;

    const list = await owner.get('/email-templates');
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((t: { kind: string }) => t.kind)).toEqual([...EMAIL_TEMPLATE_KINDS]);
    expect(list.json().data.every((t: { customized: boolean }) => !t.customized)).toBe(true);
    const survey = list.json().data.find((t: { kind: string }) => t.kind === 'satisfaction_survey');
    expect(survey.required).toEqual(['survey.link']);
    expect(survey.placeholders).toContainEqual({ name: 'survey.link', description: expect.any(String) });

    // The preview renders a draft with example values and this organisation's name; nothing is saved.
    const preview = await owner.post('/email-templates/resolution_notice/preview', {
      subject: 'Done: #{{ticket.number}}\nBcc: x@evil.test',
    });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json().subject).toBe('Done: #1042 Bcc: x@evil.test');
    expect(preview.json().text).toContain(f.org.name);
    expect((await owner.get('/email-templates/resolution_notice')).json().customized).toBe(false);
    const current = await owner.post('/email-templates/escalation_digest/preview', {});
    expect(current.statusCode, current.body).toBe(200);
    expect(current.json().text).toContain('#1043 Password reset fails');

    const bad = async (body: Record<string, unknown>, kind = 'satisfaction_survey') => {
      const response = await owner.put(`/email-templates/${kind}`, body);
      expect(response.statusCode, response.body).toBe(400);
      return errorOf(response);
    };
    expect((await bad({ subject: 'x', body: 'Thanks!' })).message).toContain(
      'body.body must use {{survey.link}}',
    );
    expect((await bad({ subject: '{{ticket.secret}}', body: '{{survey.link}}' })).message).toContain(
      'body.subject {{ticket.secret}} is not a placeholder of this email',
    );
    expect((await bad({ subject: 'x', body: '{{#survey.link}}' })).message).toMatch(/not a valid template/);
    expect((await bad({ subject: 'x', body: '{{survey.link}}{{> evil}}' })).message).toMatch(/partials/);
    await bad({ subject: 'x', body: '{{survey.link}}', headers: { Bcc: 'x@evil.test' } });
    await bad({ subject: 'x', body: 'x' }, 'password_reset');
    const badPreview = await owner.post('/email-templates/reply/preview', { body: '{{constructor}}' });
    expect(badPreview.statusCode).toBe(400);

    const saved = await owner.put('/email-templates/satisfaction_survey', {
      subject: 'Rate us',
      body: 'Rate: {{survey.link}}',
    });
    expect(saved.statusCode, saved.body).toBe(200);
    // Another organisation sees its own defaults, and cannot reset or read ours.
    expect((await theirs.get('/email-templates/satisfaction_survey')).json().customized).toBe(false);
    expect((await theirs.delete('/email-templates/satisfaction_survey')).statusCode).toBe(404);
    expect((await owner.get('/email-templates/satisfaction_survey')).json()).toMatchObject({
      subject: 'Rate us',
      customized: true,
    });
    // Agents read nothing and change nothing: templates are the admins'.
    expect((await agent.get('/email-templates')).statusCode).toBe(403);
    expect(
      (await agent.put('/email-templates/reply', { subject: 'x', body: '{{reply.content}}' })).statusCode,
    ).toBe(403);

    const reset = await owner.delete('/email-templates/satisfaction_survey');
    expect(reset.statusCode).toBe(204);
    expect((await owner.get('/email-templates/satisfaction_survey')).json()).toMatchObject({
      subject: 'How did we do? [#{{ticket.number}}] {{ticket.title}}',
      customized: false,
    });
    expect((await owner.delete('/email-templates/satisfaction_survey')).statusCode).toBe(404);
    const audit = await owner.get('/audit-logs?targetType=email_template');
    expect(audit.statusCode, audit.body).toBe(200);
    expect(audit.json().data.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['email_template.updated', 'email_template.reset']),
    );
  });

  it('refuses a display name that could break the From header', async () => {
    const f = await createOrganizationFixture(stack.h.db);
    const { owner } = await staff(f);
    const mailbox = await stack.h.createMailbox(f.org.id);
    const response = await owner.patch(`/mailboxes/${mailbox.id}`, {
      displayName: 'Acme\r\nBcc: x@evil.test',
    });
    expect(response.statusCode).toBe(400);
  });
});
