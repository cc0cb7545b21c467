import { describe, expect, it } from 'vitest';
import { extractTicketToken } from '../../src/domain/subject.js';
import {
  acknowledgementMail,
  escalationMail,
  formatDuration,
  notificationMail,
  replyMail,
  warningMail,
} from '../../src/mail/templates.js';

const facts = {
  ticketNumber: 42,
  title: 'Printer on fire',
  organizationName: 'Acme',
  customer: { name: 'Carla', email: 'carla@example.test' },
  assignee: null,
};

describe('mail templates', () => {
  it('formats durations for people', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(5 * 60_000)).toBe('5 min');
    expect(formatDuration(65 * 60_000)).toBe('1 h 05 min');
    expect(formatDuration(26 * 3_600_000)).toBe('1 day 2 h');
    expect(formatDuration(72 * 3_600_000)).toBe('3 days');
  });

  it('acknowledges with the ticket number and marks itself auto-replied', () => {
    const mail = acknowledgementMail(facts);
    expect(mail.subject).toBe('[#42] Printer on fire');
    expect(mail.text).toContain('opened ticket #42');
    expect(mail.headers).toEqual({ 'Auto-Submitted': 'auto-replied' });
  });

  it('threads replies by subject without stacking prefixes', () => {
    expect(replyMail(facts, 'Done').subject).toBe('Re: [#42] Printer on fire');
    expect(replyMail({ ...facts, title: 'Re: [#42] Printer on fire' }, 'Done').subject).toBe(
      'Re: [#42] Printer on fire',
    );
  });

  it('says which SLA, by how much, and who is involved', () => {
    const mail = escalationMail(facts, 'first_response', new Date('2026-01-05T10:00:00Z'), 90 * 60_000);
    expect(mail.subject).toBe('[SLA breach] first response overdue on ticket #42: Printer on fire');
    expect(mail.text).toContain('Assignee: nobody');
    expect(mail.text).toContain('Late by: 1 h 30 min');
    expect(warningMail(facts, 'resolution', new Date('2026-01-05T10:00:00Z'), 12 * 60_000).subject).toBe(
      '[SLA warning] resolution due in 12 min on ticket #42: Printer on fire',
    );
  });

  it('tells an agent what happened on the ticket, automatically and without the customer token', () => {
    const assigned = { ...facts, assignee: { name: 'Adam', email: 'adam@acme.test' } };
    const created = notificationMail(facts, 'Olivia', { event: 'newTicket' });
    expect(created.subject).toBe('[New ticket #42] Printer on fire');
    expect(created.text).toContain('Hello Olivia,');
    expect(created.text).toContain('Carla <carla@example.test> opened ticket #42 "Printer on fire".');
    expect(created.text).toContain('Assignee: nobody');
    expect(created.headers).toEqual({ 'Auto-Submitted': 'auto-generated' });
    // An agent answering the notification must not land in the customer's conversation.
    expect(extractTicketToken(created.subject)).toBeNull();

    const reply = notificationMail(assigned, 'Adam', { event: 'customerReply', excerpt: 'Still\nburning' });
    expect(reply.subject).toBe('[Customer reply #42] Printer on fire');
    expect(reply.text).toContain('Carla replied on ticket #42 "Printer on fire":\n\n> Still\n> burning');
    expect(reply.text).toContain('Assignee: Adam <adam@acme.test>');

    expect(notificationMail(assigned, 'Adam', { event: 'assigned', by: 'Olivia' }).text).toContain(
      'Olivia assigned ticket #42 "Printer on fire" to you.',
    );
    expect(notificationMail(assigned, 'Adam', { event: 'assigned', by: null }).text).toContain(
      'The system assigned',
    );
    const mention = notificationMail(facts, 'Adam', {
      event: 'mention',
      by: 'Olivia',
      excerpt: 'x'.repeat(600),
    });
    expect(mention.subject).toBe('[Mentioned #42] Printer on fire');
    expect(mention.text).toContain('Olivia mentioned you in an internal note');
    expect(mention.text).toContain(`> ${'x'.repeat(500)}…`);
    expect(mention.text).not.toContain('x'.repeat(501));
  });
});
