import { describe, expect, it } from 'vitest';
import { EMAIL_TEMPLATE_KINDS } from '../../src/domain/vocabulary.js';
import {
  acknowledgementMail,
  DEFAULT_TEMPLATES,
  escalationDigestMail,
  previewMail,
  replyMail,
  resolutionNoticeMail,
  surveyMail,
  templateProblems,
} from '../../src/mail/templates.js';

const facts = {
  ticketNumber: 42,
  title: 'Printer on fire',
  organizationName: 'Acme & Sons',
  customer: { name: 'Carla <script>', email: 'carla@example.test' },
  assignee: null,
};

describe("an organisation's wording of its emails", () => {
  it('every default is a valid wording of its own kind, and every kind previews', () => {
    for (const kind of EMAIL_TEMPLATE_KINDS) {
      expect(templateProblems(kind, DEFAULT_TEMPLATES[kind]), kind).toEqual([]);
      const preview = previewMail(kind, 'Acme', null);
      expect(preview.subject.length, kind).toBeGreaterThan(0);
      expect(preview.text, kind).not.toMatch(/\{\{|\}\}/);
    }
  });

  it('renders the placeholders as plain text, never HTML-escaped', () => {
    const own = {
      subject: 'Ticket {{ticket.number}} for {{customer.name}}',
      body: '{{organization.name}}: {{reply.content}}',
    };
    const mail = replyMail(facts, 'a < b & "c"', own);
    expect(mail.subject).toBe('Ticket 42 for Carla <script>');
    expect(mail.text).toBe('Acme & Sons: a < b & "c"');
  });

  it('keeps the subject on one line, whatever the wording or the values hold (no header injection)', () => {
    const own = { subject: '{{ticket.title}}\r\nBcc: victim@example.test\n', body: 'x {{reply.content}}' };
    const mail = replyMail({ ...facts, title: 'Hi\r\nX-Evil: 1' }, 'ok', own);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toBe('Hi X-Evil: 1 Bcc: victim@example.test');
    expect(mail.headers).toBeUndefined();
    // The kind fixes the headers; no wording adds or removes one.
    expect(acknowledgementMail(facts, { subject: 's', body: 'b' }).headers).toEqual({
      'Auto-Submitted': 'auto-replied',
    });
  });

  it('ends mail with the mailbox signature only when the mailbox has one', () => {
    expect(replyMail(facts, 'Fixed.').text).toBe('Fixed.');
    expect(replyMail({ ...facts, signature: 'Acme Support\nhttps://acme.example' }, 'Fixed.').text).toBe(
      'Fixed.\n\n-- \nAcme Support\nhttps://acme.example',
    );
    expect(resolutionNoticeMail({ ...facts, signature: 'Sig' }).text).toMatch(
      /reply to this email.*\n[\s\S]*-- \nSig$/,
    );
  });

  it('repeats a section for each breach of a digest and says how many it left out', () => {
    const own = {
      subject: '{{digest.total}} late',
      body: '{{#breaches}}- #{{breach.number}} {{breach.sla}}\n{{/breaches}}{{#digest.more}}+{{digest.more}}{{/digest.more}}',
    };
    const deadline = new Date('2026-01-05T09:00:00Z');
    const shown = [1, 2].map((n) => ({
      ticketNumber: n,
      title: `t${n}`,
      kind: 'resolution' as const,
      deadline,
      lateByMs: 0,
    }));
    expect(escalationDigestMail('Acme', shown, 5, own).text).toBe('- #1 resolution\n- #2 resolution\n+3');
    expect(escalationDigestMail('Acme', shown, 2, own).text).toBe('- #1 resolution\n- #2 resolution');
  });

  it('refuses what would not render or could reach beyond the data', () => {
    const problems = (body: string, subject = 'ok') =>
      templateProblems('satisfaction_survey', { subject, body });
    expect(problems('{{survey.link}} {{#customer.name}}')).toEqual([
      expect.objectContaining({ field: 'body', message: expect.stringMatching(/not a valid template/) }),
    ]);
    expect(problems('{{survey.link}} {{customer.password}}')).toEqual([
      { field: 'body', message: '{{customer.password}} is not a placeholder of this email' },
    ]);
    // Prototype names would reach functions (Mustache calls them as lambdas): not placeholders.
    expect(problems('{{survey.link}} {{constructor}}', '{{ticket.toString}}').map((p) => p.message)).toEqual([
      '{{ticket.toString}} is not a placeholder of this email',
      '{{constructor}} is not a placeholder of this email',
    ]);
    expect(problems('{{survey.link}} {{> footer}}')[0]?.message).toMatch(/partials/);
    expect(problems('Thanks!')).toEqual([{ field: 'body', message: 'must use {{survey.link}}' }]);
    expect(problems(' ', '')).toEqual(
      expect.arrayContaining([
        { field: 'subject', message: 'must not be empty' },
        { field: 'body', message: 'must not be empty' },
      ]),
    );
    expect(problems(`{{survey.link}}${'x'.repeat(20_001)}`)).toEqual([
      { field: 'body', message: 'must be at most 20000 characters' },
    ]);
    // A placeholder of another kind is not one of this kind's.
    expect(
      templateProblems('acknowledgement', { subject: 's', body: '{{survey.link}}' })[0]?.message,
    ).toMatch(/not a placeholder/);
    expect(surveyMail(facts, 'https://l', { subject: 's', body: 'Rate: {{survey.link}}' }).text).toBe(
      'Rate: https://l',
    );
  });
});
