import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { organizations, outboundEmails, ticketMessages } from '../../src/db/schema/index.js';
import type { OrganizationSettings } from '../../src/db/schema/organizations.js';
import {
  type ApiFixture,
  addMember,
  as,
  createApiFixture,
  errorOf,
  tokenFor,
  useApiHarness,
} from '../support/api.js';
import { joinOrganization } from '../support/db.js';
import { eventually } from '../support/ingest-harness.js';
import type { CapturedMail } from '../support/smtp-sink.js';

const h = useApiHarness();

type Defaults = NonNullable<OrganizationSettings['notifications']>;

/** An organisation (owner, admin, agent, customer) whose staff are notified by default as `defaults` says. */
async function notifyingOrg(defaults: Defaults, name = 'Acme') {
  const f = await createApiFixture(h.db, name);
  await h.db.adminDb
    .update(organizations)
    .set({ settings: { notifications: defaults } })
    .where(eq(organizations.id, f.org.id));
  return f;
}

async function openTicket(f: ApiFixture, token = f.tokens.agent, extra: Record<string, unknown> = {}) {
  const response = await as(h.app, token).post('/tickets', {
    customer: { email: `c-${randomUUID().slice(0, 8)}@example.test`, name: 'Carla Customer' },
    title: 'Printer on fire',
    description: 'Smoke everywhere.',
    ...extra,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; ticketNumber: number; customerId: string };
}

/** The ticket's notifications in the outbox, by recipient. */
async function notificationsOf(ticketId: string) {
  const rows = await h.db.adminDb
    .select()
    .from(outboundEmails)
    .where(and(eq(outboundEmails.ticketId, ticketId), eq(outboundEmails.kind, 'notification')));
  return rows.sort((a, b) => a.toAddresses[0]!.localeCompare(b.toAddresses[0]!));
}
const recipientsOf = async (ticketId: string) =>
  (await notificationsOf(ticketId)).flatMap((row) => row.toAddresses).sort();

/** The mails the sink got for `ticketNumber`'s notifications to `to`, once each has been sent. */
async function mailsTo(to: string, ticketNumber: number): Promise<CapturedMail[]> {
  await h.tickets.sink.waitFor(
    (m) => m.envelope.to.includes(to.toLowerCase()) && (m.subject ?? '').includes(`#${ticketNumber}]`),
  );
  return h.tickets.sink.messages.filter(
    (m) => m.envelope.to.includes(to.toLowerCase()) && (m.subject ?? '').includes(`#${ticketNumber}]`),
  );
}

/** Sends the customer's mail and waits until the ticket stored it (the notification is queued with it). */
async function customerWrites(ticketId: string, customerId: string, content: string) {
  const emailMessageId = `${randomUUID()}@customer.test`;
  await h.tickets.commands.customerMessage(ticketId, { senderId: customerId, content, emailMessageId });
  await eventually(async () => {
    const stored = await h.db.adminDb
      .select({ id: ticketMessages.id })
      .from(ticketMessages)
      .where(and(eq(ticketMessages.ticketId, ticketId), eq(ticketMessages.emailMessageId, emailMessageId)));
    expect(stored).toHaveLength(1);
  });
}

const sortEmails = (...people: { email: string }[]) => people.map((p) => p.email.toLowerCase()).sort();

describe('agent notifications', () => {
  it('follows the defaults admins set with PATCH /organization; agents may not set them', async () => {
    const f = await createApiFixture(h.db);
    const admin = as(h.app, f.tokens.admin);
    const initially = (await admin.get('/organization')).json().settings;
    expect(initially).toMatchObject({ emailOnNewTicket: false, emailOnTicketUpdate: false });
    const changed = await admin.patch('/organization', { emailOnNewTicket: true });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().settings).toMatchObject({ emailOnNewTicket: true, emailOnTicketUpdate: false });
    const mine = (await as(h.app, f.tokens.agent).get('/account/notifications')).json();
    expect(mine.enabled).toMatchObject({ newTicket: true, customerReply: false });
    // The other switches of settings.notifications are kept.
    await admin.patch('/organization', { escalationEmails: ['boss@example.test'] });
    const both = (await admin.patch('/organization', { emailOnTicketUpdate: true })).json().settings;
    expect(both).toMatchObject({
      emailOnNewTicket: true,
      emailOnTicketUpdate: true,
      escalationEmails: ['boss@example.test'],
    });
    const refused = await as(h.app, f.tokens.agent).patch('/organization', { emailOnNewTicket: false });
    expect(refused.statusCode).toBe(403);
    const bad = await admin.patch('/organization', { emailOnNewTicket: 'yes please' });
    expect(bad.statusCode).toBe(400);
  });

  it('tells the opted-in staff of a new unassigned ticket once, never its opener, customer or another organisation', async () => {
    const f = await notifyingOrg({ emailOnNewTicket: true });
    const other = await notifyingOrg({ emailOnNewTicket: true, emailOnTicketUpdate: true }, 'Other');
    const optedOut = await as(h.app, f.tokens.admin).patch('/account/notifications', { newTicket: 'off' });
    expect(optedOut.statusCode, optedOut.body).toBe(200);

    const ticket = await openTicket(f);
    // Queued with the ticket: the agent opened it, the admin opted out.
    expect(await recipientsOf(ticket.id)).toEqual(sortEmails(f.owner));
    const [mail, ...more] = await mailsTo(f.owner.email, ticket.ticketNumber);
    expect(more).toEqual([]);
    expect(mail!.subject).toBe(`[New ticket #${ticket.ticketNumber}] Printer on fire`);
    expect(mail!.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail!.text).toContain('Hello Olivia Owner,');
    const everyone = [f.admin, f.agent, f.customer, other.owner, other.admin, other.agent];
    for (const person of everyone) {
      expect(h.tickets.sink.messages.some((m) => m.envelope.to.includes(person.email.toLowerCase()))).toBe(
        false,
      );
    }

    // Assigned from the start: only the assignee hears of it.
    const assigned = await openTicket(f, f.tokens.owner, { assigneeId: f.agent.id });
    expect(await recipientsOf(assigned.id)).toEqual(sortEmails(f.agent));
    expect(await mailsTo(f.agent.email, assigned.ticketNumber)).toHaveLength(1);
  });

  it('tells the assignee of customer replies, one mail for replies close together; assigning oneself tells nobody', async () => {
    const f = await notifyingOrg({ emailOnNewTicket: false, emailOnTicketUpdate: true });
    const ticket = await openTicket(f);
    const self = await as(h.app, f.tokens.agent).patch(`/tickets/${ticket.id}`, { assigneeId: f.agent.id });
    expect(self.statusCode, self.body).toBe(200);
    expect(await notificationsOf(ticket.id)).toEqual([]);

    await customerWrites(ticket.id, ticket.customerId, 'It is still smoking.');
    expect(await recipientsOf(ticket.id)).toEqual(sortEmails(f.agent));
    await customerWrites(ticket.id, ticket.customerId, 'Now the desk is on fire too.');
    const [row] = await notificationsOf(ticket.id);
    expect(await recipientsOf(ticket.id)).toEqual(sortEmails(f.agent));

    const mails = await mailsTo(f.agent.email, ticket.ticketNumber);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain(`[Customer reply #${ticket.ticketNumber}]`);
    expect(mails[0]!.text).toContain('> It is still smoking.');
    await eventually(async () => {
      const [sent] = await notificationsOf(ticket.id);
      expect(sent).toMatchObject({ id: row!.id, status: 'sent', attempts: 1 });
    });
  });

  it('tells the new assignee when someone else assigns them, if they want it', async () => {
    const f = await notifyingOrg({ emailOnTicketUpdate: true });
    const ticket = await openTicket(f);
    const assigned = await as(h.app, f.tokens.owner).patch(`/tickets/${ticket.id}`, {
      assigneeId: f.agent.id,
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(await recipientsOf(ticket.id)).toEqual(sortEmails(f.agent));
    const [mail] = await mailsTo(f.agent.email, ticket.ticketNumber);
    expect(mail!.subject).toContain(`[Assigned to you #${ticket.ticketNumber}]`);
    expect(mail!.text).toContain('Olivia Owner assigned ticket');

    // The admin said no to assignments: reassigning to them queues nothing.
    await as(h.app, f.tokens.admin).patch('/account/notifications', { assigned: 'off' });
    const again = await as(h.app, f.tokens.owner).patch(`/tickets/${ticket.id}`, { assigneeId: f.admin.id });
    expect(again.statusCode, again.body).toBe(200);
    expect(await recipientsOf(ticket.id)).toEqual(sortEmails(f.agent));
  });

  it('tells the staff a note mentions, not its author, not a namesake elsewhere, not for public replies', async () => {
    const f = await notifyingOrg({ emailOnTicketUpdate: true });
    // Same display name as f.agent ("Adam Agent"), in another organisation.
    const other = await notifyingOrg({ emailOnTicketUpdate: true }, 'Other');
    const ticket = await openTicket(f);
    const publicReply = await as(h.app, f.tokens.owner).post(`/tickets/${ticket.id}/messages`, {
      content: 'Thanks! @Adam Agent will look at it.',
    });
    expect(publicReply.statusCode, publicReply.body).toBe(201);
    expect(await notificationsOf(ticket.id)).toEqual([]);

    const adminLocalPart = f.admin.email.split('@')[0];
    const note = await as(h.app, f.tokens.owner).post(`/tickets/${ticket.id}/messages`, {
      content: `@adam agent can you check? @Olivia Owner FYI, and @${adminLocalPart} too.`,
      internal: true,
    });
    expect(note.statusCode, note.body).toBe(201);
    expect(await recipientsOf(ticket.id)).toEqual(sortEmails(f.admin, f.agent));
    const [mail] = await mailsTo(f.agent.email, ticket.ticketNumber);
    expect(mail!.subject).toContain(`[Mentioned #${ticket.ticketNumber}]`);
    expect(mail!.text).toContain('Olivia Owner mentioned you in an internal note');
    expect(mail!.text).toContain('> @adam agent can you check?');
    await mailsTo(f.admin.email, ticket.ticketNumber);
    for (const person of [f.owner, other.agent, other.owner, other.admin]) {
      expect(h.tickets.sink.messages.some((m) => m.envelope.to.includes(person.email.toLowerCase()))).toBe(
        false,
      );
    }
  });
});

const untouched = { newTicket: 'default', customerReply: 'default', assigned: 'default', mention: 'default' };

describe('GET/PATCH /account/notifications', () => {
  it('shows the organisation’s defaults until the person chooses, and forgets a choice on default', async () => {
    const f = await notifyingOrg({ emailOnNewTicket: true, emailOnTicketUpdate: false });
    const api = as(h.app, f.tokens.agent);
    const initial = await api.get('/account/notifications');
    expect(initial.statusCode, initial.body).toBe(200);
    expect(initial.json()).toEqual({
      enabled: { newTicket: true, customerReply: false, assigned: false, mention: false },
      chosen: { newTicket: 'default', customerReply: 'default', assigned: 'default', mention: 'default' },
    });

    const changed = await api.patch('/account/notifications', { newTicket: 'off', mention: 'on' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toEqual({
      enabled: { newTicket: false, customerReply: false, assigned: false, mention: true },
      chosen: { newTicket: 'off', customerReply: 'default', assigned: 'default', mention: 'on' },
    });
    const reset = await api.patch('/account/notifications', { newTicket: 'default' });
    expect(reset.json()).toEqual({
      enabled: { newTicket: true, customerReply: false, assigned: false, mention: true },
      chosen: { newTicket: 'default', customerReply: 'default', assigned: 'default', mention: 'on' },
    });
    expect((await api.get('/account/notifications')).json()).toEqual(reset.json());
  });

  it('refuses bad input and changes nothing', async () => {
    const f = await notifyingOrg({});
    const api = as(h.app, f.tokens.agent);
    for (const body of [
      {},
      { everything: 'on' },
      { mention: 'yes' },
      { mention: true },
      { mention: null },
      { newTicket: {} },
      [],
    ]) {
      const response = await api.patch('/account/notifications', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(errorOf(response).code).toBeTruthy();
    }
    expect((await api.get('/account/notifications')).json().chosen).toEqual(untouched);
  });

  it('touches only the caller’s own membership in the current organisation', async () => {
    const f = await notifyingOrg({});
    const other = await notifyingOrg({}, 'Other');
    // The same person works for both organisations.
    const both = await addMember(h.db, f, 'Bea Both', 'agent');
    await joinOrganization(h.db, both, other.org.id, 'agent');
    const here = as(h.app, await tokenFor(h.db, f, both));
    const there = as(h.app, await tokenFor(h.db, other, both));

    expect((await here.patch('/account/notifications', { customerReply: 'on' })).statusCode).toBe(200);
    expect((await there.get('/account/notifications')).json().chosen).toEqual(untouched);
    for (const token of [f.tokens.owner, f.tokens.admin, f.tokens.agent]) {
      expect((await as(h.app, token).get('/account/notifications')).json().chosen).toEqual(untouched);
    }
    expect((await here.get('/account/notifications')).json().chosen).toEqual({
      ...untouched,
      customerReply: 'on',
    });
  });

  it('is for staff: a customer’s token is refused', async () => {
    const f = await notifyingOrg({});
    const response = await as(h.app, f.tokens.customer).get('/account/notifications');
    expect([401, 403]).toContain(response.statusCode);
  });
});
