// The words of the emails InsightDesk sends. Pure: data in, subject and text out.

import Mustache from 'mustache';
import type { UserRole } from '../db/schema/index.js';
import type { TemplateText, TicketFacts } from '../domain/mail-facts.js';
import { normalizeSubjectForTitle } from '../domain/subject.js';
import { type EmailTemplateKind, MINUTE_MS, type SlaKind } from '../domain/vocabulary.js';

export type { TemplateText, TicketFacts };

export interface MailContent {
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

const slaNames: Record<SlaKind, string> = {
  first_response: 'first response',
  next_response: 'next response',
  resolution: 'resolution',
};

/** "1 h 05 min", "3 days 2 h", "45 s". */
export function formatDuration(ms: number): string {
  const totalMinutes = Math.floor(Math.abs(ms) / MINUTE_MS);
  if (totalMinutes === 0) return `${Math.round(Math.abs(ms) / 1000)} s`;
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  if (days > 0) return `${days} day${days === 1 ? '' : 's'}${hours ? ` ${hours} h` : ''}`;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  return `${minutes} min`;
}

// Every email an organisation sends renders from a logic-less Mustache template: the defaults below, or the
// organisation's own wording (email_templates). Values are data, never code: no partials, no lambdas (views
// are plain objects and a template may only name the placeholders its kind documents), and the subject is
// rendered to one line, so no wording can add a header.

interface TemplateDefinition extends TemplateText {
  /** Placeholder → what it holds; sections (`{{#x}}…{{/x}}`) are named like any other placeholder. */
  placeholders: Record<string, string>;
  /** Without these the email would not do its job (the reply's text, the survey's link, the invitation's token). */
  required: string[];
  /** Fixed by the kind, never by the wording. */
  headers: Record<string, string>;
}

const TICKET_PLACEHOLDERS: Record<string, string> = {
  'ticket.number': 'The ticket number (the [#N] token in subjects threads replies by it)',
  'ticket.title': 'The ticket title',
  'organization.name': "The organisation's name",
  'customer.name': "The customer's name",
  'customer.email': "The customer's email address",
  assignee: 'Section: shown when the ticket is assigned',
  'assignee.name': "The assignee's name",
  'assignee.email': "The assignee's email address",
  signature: "The signature of the ticket's mailbox (empty when it has none)",
};
const SLA_PLACEHOLDERS: Record<string, string> = {
  'sla.name': 'The SLA: first response, next response or resolution',
  'sla.deadline': 'When it is (was) due, ISO 8601 in UTC',
};
const RECIPIENT_PLACEHOLDERS: Record<string, string> = {
  'recipient.name': 'The staff member this notification goes to',
  ...TICKET_PLACEHOLDERS,
};
const EXCERPT = { 'message.excerpt': 'The first lines of the message, quoted with "> "' };
const ACTOR = { 'actor.name': 'Who did it' };

const AUTO_REPLIED = { 'Auto-Submitted': 'auto-replied' };
// An automatic message: auto-responders must not answer it (RFC 3834).
const AUTO_GENERATED = { 'Auto-Submitted': 'auto-generated' };

const lines = (...parts: string[]) => parts.join('\n');
const SIGNATURE = lines('{{#signature}}', '', '-- ', '{{signature}}', '{{/signature}}');
const PEOPLE = lines(
  'Customer: {{customer.name}} <{{customer.email}}>',
  'Assignee: {{#assignee}}{{assignee.name}} <{{assignee.email}}>{{/assignee}}{{^assignee}}nobody{{/assignee}}',
);
const NOTIFICATION_FOOTER = lines(
  '',
  PEOPLE,
  '',
  // Coalesced per ticket: the reader should know a quiet inbox does not mean a quiet ticket.
  'Further activity on this ticket in the next few minutes is not mailed separately.',
  'Choose which ticket events you are emailed about with GET/PATCH /account/notifications.',
  '',
  '{{organization.name}} on InsightDesk',
);
const notification = (subjectLabel: string, ...what: string[]): TemplateText => ({
  subject: `[${subjectLabel} #{{ticket.number}}] {{ticket.title}}`,
  body: lines('Hello {{recipient.name}},', '', ...what, NOTIFICATION_FOOTER),
});

export const DEFAULT_TEMPLATES: Record<EmailTemplateKind, TemplateDefinition> = {
  acknowledgement: {
    subject: '[#{{ticket.number}}] {{ticket.title}}',
    body: lines(
      'Hello {{customer.name}},',
      '',
      'thank you for contacting {{organization.name}}. We have received your message and opened ticket #{{ticket.number}}.',
      'Simply reply to this email to add more information to it.',
      '',
      '{{organization.name}} support',
      SIGNATURE,
    ),
    placeholders: TICKET_PLACEHOLDERS,
    required: [],
    // RFC 3834: other auto-responders must not answer this one.
    headers: AUTO_REPLIED,
  },
  reply: {
    subject: 'Re: [#{{ticket.number}}] {{ticket.title}}',
    body: lines('{{reply.content}}', SIGNATURE),
    placeholders: { 'reply.content': "The agent's reply as written", ...TICKET_PLACEHOLDERS },
    required: ['reply.content'],
    headers: {},
  },
  resolution_notice: {
    subject: 'Resolved: [#{{ticket.number}}] {{ticket.title}}',
    body: lines(
      'Hello {{customer.name}},',
      '',
      'we have resolved ticket #{{ticket.number}} "{{ticket.title}}".',
      'If anything is still open, simply reply to this email and the ticket reopens.',
      '',
      '{{organization.name}} support',
      SIGNATURE,
    ),
    placeholders: TICKET_PLACEHOLDERS,
    required: [],
    headers: AUTO_GENERATED,
  },
  satisfaction_survey: {
    subject: 'How did we do? [#{{ticket.number}}] {{ticket.title}}',
    body: lines(
      'Hello {{customer.name}},',
      '',
      'ticket #{{ticket.number}} "{{ticket.title}}" was resolved. Would you tell us how satisfied you are, on a scale from 1 to 5?',
      '',
      '{{survey.link}}',
      '',
      'The link works once and takes a few seconds. Thank you!',
      '',
      '{{organization.name}} support',
      SIGNATURE,
    ),
    placeholders: { 'survey.link': 'The single-use rating link', ...TICKET_PLACEHOLDERS },
    required: ['survey.link'],
    headers: AUTO_GENERATED,
  },
  sla_warning: {
    subject: '[SLA warning] {{sla.name}} due in {{sla.dueIn}} on ticket #{{ticket.number}}: {{ticket.title}}',
    body: lines(
      'The {{sla.name}} SLA of ticket #{{ticket.number}} is due soon.',
      '',
      'Ticket: #{{ticket.number}} {{ticket.title}}',
      PEOPLE,
      'Deadline: {{sla.deadline}} (in {{sla.dueIn}})',
    ),
    placeholders: {
      ...SLA_PLACEHOLDERS,
      'sla.dueIn': 'Time left, e.g. "1 h 05 min"',
      ...TICKET_PLACEHOLDERS,
    },
    required: [],
    headers: AUTO_GENERATED,
  },
  sla_escalation: {
    subject: '[SLA breach] {{sla.name}} overdue on ticket #{{ticket.number}}: {{ticket.title}}',
    body: lines(
      'The {{sla.name}} SLA of ticket #{{ticket.number}} was breached.',
      '',
      'Ticket: #{{ticket.number}} {{ticket.title}}',
      PEOPLE,
      'SLA: {{sla.name}}',
      'Deadline: {{sla.deadline}}',
      'Late by: {{sla.lateBy}} when detected',
    ),
    placeholders: {
      ...SLA_PLACEHOLDERS,
      'sla.lateBy': 'How late it was when detected, e.g. "3 min"',
      ...TICKET_PLACEHOLDERS,
    },
    required: [],
    headers: AUTO_GENERATED,
  },
  escalation_digest: {
    subject: '[SLA breach] {{digest.total}} tickets overdue in {{organization.name}}',
    body: lines(
      '{{digest.total}} SLA deadlines of {{organization.name}} were breached within a few minutes; this one mail lists them.',
      '',
      '{{#breaches}}',
      '#{{breach.number}} {{breach.title}} — {{breach.sla}} due {{breach.deadline}}, late by {{breach.lateBy}} when detected',
      '{{/breaches}}',
      '{{#digest.more}}',
      '',
      "…and {{digest.more}} more (each ticket's history records its breach).",
      '{{/digest.more}}',
    ),
    placeholders: {
      'organization.name': "The organisation's name",
      'digest.total': 'How many deadlines were breached in the window',
      'digest.more': 'How many of them the list leaves out (a section: shown when any)',
      breaches: 'Section repeated for each listed breach, earliest deadline first',
      'breach.number': 'Its ticket number',
      'breach.title': 'Its ticket title',
      'breach.sla': 'Its SLA',
      'breach.deadline': 'When it was due',
      'breach.lateBy': 'How late it was when detected',
    },
    required: [],
    headers: AUTO_GENERATED,
  },
  invitation: {
    subject: '{{invitation.inviter}} invited you to {{organization.name}} on InsightDesk',
    body: lines(
      'Hello,',
      '',
      '{{invitation.inviter}} invited you to join {{organization.name}} on InsightDesk as {{invitation.role}}.',
      '',
      'Your invitation token: {{invitation.token}}',
      '',
      'To accept, send it with your name (and a password, if you want to log in with one) to the API;',
      'the answer holds your first API token:',
      '',
      "  curl -X POST {{invitation.apiUrl}}/invitations/accept -H 'Content-Type: application/json' \\",
      '       -d \'{"token":"{{invitation.token}}","name":"Your Name","password":"optional, 10+ characters"}\'',
      '',
      'The token works once, until {{invitation.expiresAt}}. If you did not expect this invitation, ignore this email.',
    ),
    placeholders: {
      'organization.name': "The organisation's name",
      'invitation.inviter': 'Who invited them',
      'invitation.role': 'The role offered, e.g. "an agent"',
      'invitation.token': 'The single-use invitation token (this email is the only place it is written)',
      'invitation.expiresAt': 'Until when it works, ISO 8601 in UTC',
      'invitation.apiUrl': 'Where the API is reached',
    },
    required: ['invitation.token'],
    headers: AUTO_GENERATED,
  },
  notification_new_ticket: {
    ...notification(
      'New ticket',
      '{{customer.name}} <{{customer.email}}> opened ticket #{{ticket.number}} "{{ticket.title}}".',
    ),
    placeholders: RECIPIENT_PLACEHOLDERS,
    required: [],
    headers: AUTO_GENERATED,
  },
  notification_customer_reply: {
    ...notification(
      'Customer reply',
      '{{customer.name}} replied on ticket #{{ticket.number}} "{{ticket.title}}":',
      '',
      '{{message.excerpt}}',
    ),
    placeholders: { ...EXCERPT, ...RECIPIENT_PLACEHOLDERS },
    required: [],
    headers: AUTO_GENERATED,
  },
  notification_assigned: {
    ...notification(
      'Assigned to you',
      '{{actor.name}} assigned ticket #{{ticket.number}} "{{ticket.title}}" to you.',
    ),
    placeholders: { ...ACTOR, ...RECIPIENT_PLACEHOLDERS },
    required: [],
    headers: AUTO_GENERATED,
  },
  notification_mention: {
    ...notification(
      'Mentioned',
      '{{actor.name}} mentioned you in an internal note on ticket #{{ticket.number}} "{{ticket.title}}":',
      '',
      '{{message.excerpt}}',
    ),
    placeholders: { ...EXCERPT, ...ACTOR, ...RECIPIENT_PLACEHOLDERS },
    required: [],
    headers: AUTO_GENERATED,
  },
};

Mustache.templateCache = undefined; // organisations' templates change: parse each time, keep nothing

const MAX_SUBJECT = 500;
const MAX_BODY = 20_000;

type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

function* names(tokens: Token[]): Generator<[type: string, name: string]> {
  for (const [type, value, , , children] of tokens) {
    if (type !== 'text') yield [type, value];
    if (children) yield* names(children);
  }
}

/** What is wrong with a wording of `kind` (empty when it may be saved and sent). */
export function templateProblems(
  kind: EmailTemplateKind,
  text: TemplateText,
): { field: string; message: string }[] {
  const definition = DEFAULT_TEMPLATES[kind];
  const problems: { field: string; message: string }[] = [];
  const used = new Set<string>();
  for (const [field, source, max] of [
    ['subject', text.subject, MAX_SUBJECT],
    ['body', text.body, MAX_BODY],
  ] as const) {
    if (source.trim() === '') problems.push({ field, message: 'must not be empty' });
    if (source.length > max) problems.push({ field, message: `must be at most ${max} characters` });
    let tokens: Token[];
    try {
      tokens = Mustache.parse(source) as unknown as Token[];
    } catch (error) {
      problems.push({ field, message: `is not a valid template: ${(error as Error).message}` });
      return problems; // what it uses is unknown until it parses
    }
    for (const [type, name] of names(tokens)) {
      if (type === '!' || type === '/') continue;
      if (type === '>') problems.push({ field, message: `partials ({{> ${name}}}) are not supported` });
      else if (!Object.hasOwn(definition.placeholders, name))
        problems.push({ field, message: `{{${name}}} is not a placeholder of this email` });
      else used.add(name);
    }
  }
  for (const name of definition.required)
    if (!used.has(name)) problems.push({ field: 'body', message: `must use {{${name}}}` });
  return problems;
}

/** Renders `kind` from the organisation's wording (`own`) or the default, with `view`'s values as plain text. */
function render(kind: EmailTemplateKind, view: object, own?: TemplateText | null): MailContent {
  const template = own ?? DEFAULT_TEMPLATES[kind];
  // Plain text: nothing to escape (Mustache's default escaping is for HTML).
  const options = { escape: (value: unknown) => String(value) };
  const subject = Mustache.render(template.subject, view, {}, options)
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .trim();
  const text = Mustache.render(template.body, view, {}, options).trimEnd();
  const headers = DEFAULT_TEMPLATES[kind].headers;
  return { subject, text, ...(Object.keys(headers).length ? { headers } : {}) };
}

function ticketView(t: TicketFacts) {
  return {
    ticket: { number: t.ticketNumber, title: normalizeSubjectForTitle(t.title) },
    organization: { name: t.organizationName },
    customer: t.customer,
    assignee: t.assignee,
    signature: t.signature ?? '',
  };
}

export function acknowledgementMail(t: TicketFacts, own?: TemplateText | null): MailContent {
  return render('acknowledgement', ticketView(t), own);
}

export function replyMail(t: TicketFacts, content: string, own?: TemplateText | null): MailContent {
  return render('reply', { ...ticketView(t), reply: { content } }, own);
}

export function resolutionNoticeMail(t: TicketFacts, own?: TemplateText | null): MailContent {
  return render('resolution_notice', ticketView(t), own);
}

export function surveyMail(t: TicketFacts, link: string, own?: TemplateText | null): MailContent {
  return render('satisfaction_survey', { ...ticketView(t), survey: { link } }, own);
}

export function escalationMail(
  t: TicketFacts,
  kind: SlaKind,
  deadline: Date,
  lateByMs: number,
  own?: TemplateText | null,
): MailContent {
  const sla = { name: slaNames[kind], deadline: deadline.toISOString(), lateBy: formatDuration(lateByMs) };
  return render('sla_escalation', { ...ticketView(t), sla }, own);
}

export function warningMail(
  t: TicketFacts,
  kind: SlaKind,
  deadline: Date,
  leftMs: number,
  own?: TemplateText | null,
): MailContent {
  const sla = { name: slaNames[kind], deadline: deadline.toISOString(), dueIn: formatDuration(leftMs) };
  return render('sla_warning', { ...ticketView(t), sla }, own);
}

export interface DigestBreach {
  ticketNumber: number;
  title: string;
  kind: SlaKind;
  deadline: Date;
  lateByMs: number;
}

/**
 * One mail for the breaches of one window: `shown` lists the first of them (earliest deadline first),
 * `total` says how many there were.
 */
export function escalationDigestMail(
  organizationName: string,
  shown: DigestBreach[],
  total: number,
  own?: TemplateText | null,
): MailContent {
  const count = (n: number) => n.toLocaleString('en');
  return render(
    'escalation_digest',
    {
      organization: { name: organizationName },
      digest: { total: count(total), more: total > shown.length ? count(total - shown.length) : '' },
      breaches: shown.map((b) => ({
        breach: {
          number: b.ticketNumber,
          title: b.title,
          sla: slaNames[b.kind],
          deadline: b.deadline.toISOString(),
          lateBy: formatDuration(b.lateByMs),
        },
      })),
    },
    own,
  );
}

export interface InvitationFacts {
  organizationName: string;
  inviterName: string;
  role: UserRole;
  /** The secret itself: this email is the only place it is ever written. */
  token: string;
  expiresAt: Date;
  /** Where the API is reached, e.g. `https://helpdesk.example.com`. */
  apiUrl: string;
}

const roleNames: Record<UserRole, string> = {
  customer: 'a customer',
  agent: 'an agent',
  admin: 'an admin',
  owner: 'an owner',
};

export function invitationMail(i: InvitationFacts, own?: TemplateText | null): MailContent {
  return render(
    'invitation',
    {
      organization: { name: i.organizationName },
      invitation: {
        inviter: i.inviterName,
        role: roleNames[i.role],
        token: i.token,
        expiresAt: i.expiresAt.toISOString(),
        apiUrl: i.apiUrl,
      },
    },
    own,
  );
}

/** What happened on the ticket, as an agent's notification tells it. */
export type NotificationFacts =
  | { event: 'newTicket' }
  | { event: 'customerReply'; excerpt: string }
  | { event: 'assigned'; by: string | null }
  | { event: 'mention'; by: string; excerpt: string };

export const NOTIFICATION_TEMPLATES = {
  newTicket: 'notification_new_ticket',
  customerReply: 'notification_customer_reply',
  assigned: 'notification_assigned',
  mention: 'notification_mention',
} as const satisfies Record<NotificationFacts['event'], EmailTemplateKind>;

/** The first lines of a message, enough to tell what it is about without opening the ticket. */
function excerptOf(text: string, maxChars = 500): string {
  const trimmed = text.trim();
  const cut = trimmed.length > maxChars ? `${trimmed.slice(0, maxChars).trimEnd()}…` : trimmed;
  return cut
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

/** An agent's email about one of the organisation's tickets (never sent to the customer). */
export function notificationMail(
  t: TicketFacts,
  recipientName: string,
  n: NotificationFacts,
  own?: TemplateText | null,
): MailContent {
  return render(
    NOTIFICATION_TEMPLATES[n.event],
    {
      ...ticketView(t),
      recipient: { name: recipientName },
      actor: { name: 'by' in n ? (n.by ?? 'The system') : '' },
      message: { excerpt: 'excerpt' in n ? excerptOf(n.excerpt) : '' },
    },
    own,
  );
}

/** Example values for previews: what the email would look like, without a real ticket or person. */
export const PREVIEW_TICKET: Omit<TicketFacts, 'organizationName'> = {
  ticketNumber: 1042,
  title: 'The invoice shows the wrong address',
  customer: { name: 'Ada Customer', email: 'ada@customer.example' },
  assignee: { name: 'Sam Agent', email: 'sam@support.example' },
  signature: null,
};

/** The email `kind` renders to with example values, in `own` wording or the default. */
export function previewMail(
  kind: EmailTemplateKind,
  organizationName: string,
  signature: string | null,
  own?: TemplateText | null,
): MailContent {
  const t: TicketFacts = { ...PREVIEW_TICKET, organizationName, signature };
  const deadline = new Date('2026-01-05T09:00:00.000Z');
  switch (kind) {
    case 'acknowledgement':
      return acknowledgementMail(t, own);
    case 'reply':
      return replyMail(
        t,
        'Thank you for the details: we corrected the address and sent the invoice again.',
        own,
      );
    case 'resolution_notice':
      return resolutionNoticeMail(t, own);
    case 'satisfaction_survey':
      return surveyMail(t, 'https://helpdesk.example/csat/example#token=example', own);
    case 'sla_warning':
      return warningMail(t, 'first_response', deadline, 15 * MINUTE_MS, own);
    case 'sla_escalation':
      return escalationMail(t, 'first_response', deadline, 3 * MINUTE_MS, own);
    case 'escalation_digest':
      return escalationDigestMail(
        organizationName,
        [
          { ticketNumber: 1042, title: t.title, kind: 'first_response', deadline, lateByMs: 2 * MINUTE_MS },
          {
            ticketNumber: 1043,
            title: 'Password reset fails',
            kind: 'resolution',
            deadline,
            lateByMs: MINUTE_MS,
          },
        ],
        12,
        own,
      );
    case 'invitation':
      return invitationMail(
        {
          organizationName,
          inviterName: t.assignee!.name,
          role: 'agent',
          token: 'example-token',
          expiresAt: deadline,
          apiUrl: 'https://helpdesk.example',
        },
        own,
      );
    case 'notification_new_ticket':
      return notificationMail(t, 'Sam Agent', { event: 'newTicket' }, own);
    case 'notification_customer_reply':
      return notificationMail(
        t,
        'Sam Agent',
        { event: 'customerReply', excerpt: 'It still shows the old one.' },
        own,
      );
    case 'notification_assigned':
      return notificationMail(t, 'Sam Agent', { event: 'assigned', by: 'Kim Admin' }, own);
    case 'notification_mention':
      return notificationMail(
        t,
        'Sam Agent',
        { event: 'mention', by: 'Kim Admin', excerpt: '@Sam can you check?' },
        own,
      );
  }
}

/** The emails of the person's own account: address checks, password resets, address changes. */
export type AccountMailKind = 'verify_email' | 'reset_password' | 'change_email' | 'account_exists';

export interface AccountMailFacts {
  kind: AccountMailKind;
  /** The single-use secret (absent for `account_exists`, which only points at the reset). */
  token?: string;
  expiresAt?: Date;
  /** Where the API is reached, e.g. `https://helpdesk.example.com`. */
  apiUrl: string;
}

const accountMails: Record<
  AccountMailKind,
  { subject: string; intro: string; page: string; endpoint: string; body: Record<string, string> }
> = {
  verify_email: {
    subject: 'Confirm your email address for InsightDesk',
    intro: 'Someone (we hope you) created an InsightDesk account with this address. Confirm it to sign in:',
    page: 'verify-email',
    endpoint: '/auth/verify-email',
    body: {},
  },
  reset_password: {
    subject: 'Reset your InsightDesk password',
    intro: 'A new password was asked for the InsightDesk account of this address. Choose one here:',
    page: 'reset-password',
    endpoint: '/auth/password/reset',
    body: { newPassword: '10+ characters' },
  },
  change_email: {
    subject: 'Confirm your new email address for InsightDesk',
    intro: 'Your InsightDesk account asked to use this address from now on. Confirm it:',
    page: 'confirm-email',
    endpoint: '/auth/email/confirm',
    body: {},
  },
  account_exists: {
    subject: 'You already have an InsightDesk account',
    intro: 'Someone tried to create an InsightDesk account with this address, which already has one.',
    page: 'forgot-password',
    endpoint: '/auth/password/forgot',
    body: {},
  },
};

export function accountMail(m: AccountMailFacts): MailContent {
  const words = accountMails[m.kind];
  const lines = ['Hello,', '', words.intro, ''];
  if (m.token) {
    // The secret travels in the fragment: browsers never send it to a server, so no log keeps it.
    const body = JSON.stringify({ token: m.token, ...words.body });
    lines.push(
      `  ${m.apiUrl}/account/${words.page}#token=${m.token}`,
      '',
      'or, from a terminal:',
      '',
      `  curl -X POST ${m.apiUrl}${words.endpoint} -H 'Content-Type: application/json' -d '${body}'`,
      '',
      `The link works once, until ${m.expiresAt?.toISOString()}.`,
    );
  } else {
    lines.push(`If you forgot your password, ask for a new one at ${m.apiUrl}/account/${words.page}.`);
  }
  lines.push('', 'If this was not you, ignore this email: nothing changes.');
  return { subject: words.subject, text: lines.join('\n'), headers: { 'Auto-Submitted': 'auto-generated' } };
}

export interface MailboxVerificationFacts {
  organizationName: string;
  address: string;
  /** The single-use link that proves the address receives this email. */
  link: string;
  expiresAt: Date;
}

/** Sent to a support address an organisation added: opening the link proves the address is theirs. */
export function mailboxVerificationMail(v: MailboxVerificationFacts): MailContent {
  return {
    subject: `Confirm ${v.address} as a support address of ${v.organizationName} on InsightDesk`,
    text: [
      'Hello,',
      '',
      `${v.organizationName} added ${v.address} as a support mailbox on InsightDesk. Mail sent to this`,
      'address becomes their tickets only once you confirm it by opening this link:',
      '',
      `  ${v.link}`,
      '',
      `The link works once, until ${v.expiresAt.toISOString()}. If you do not know ${v.organizationName}, ignore`,
      'this email: nothing is routed to them.',
    ].join('\n'),
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
