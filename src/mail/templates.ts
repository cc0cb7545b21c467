// The words of the emails InsightDesk sends. Pure: data in, subject and text out.

import type { UserRole } from '../db/schema/index.js';
import { MINUTE_MS } from '../domain/vocabulary.js';
import type { SlaKind } from '../workflows/ticket-state.js';
import { buildReplySubject } from './subject.js';

export interface TicketFacts {
  ticketNumber: number;
  title: string;
  organizationName: string;
  customer: { name: string; email: string };
  assignee: { name: string; email: string } | null;
}

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

export function acknowledgementMail(t: TicketFacts): MailContent {
  return {
    subject: `[#${t.ticketNumber}] ${t.title}`,
    text: [
      `Hello ${t.customer.name},`,
      '',
      `thank you for contacting ${t.organizationName}. We have received your message and opened ticket #${t.ticketNumber}.`,
      'Simply reply to this email to add more information to it.',
      '',
      `${t.organizationName} support`,
    ].join('\n'),
    // RFC 3834: other auto-responders must not answer this one.
    headers: { 'Auto-Submitted': 'auto-replied' },
  };
}

export function replyMail(t: TicketFacts, content: string): MailContent {
  return { subject: buildReplySubject(t.ticketNumber, t.title), text: content };
}

export function surveyMail(t: TicketFacts, link: string): MailContent {
  return {
    subject: `How did we do? [#${t.ticketNumber}] ${t.title}`,
    text: [
      `Hello ${t.customer.name},`,
      '',
      `ticket #${t.ticketNumber} "${t.title}" was resolved. Would you tell us how satisfied you are, on a scale from 1 to 5?`,
      '',
      link,
      '',
      'The link works once and takes a few seconds. Thank you!',
      '',
      `${t.organizationName} support`,
    ].join('\n'),
    // An automatic message: auto-responders must not answer it (RFC 3834).
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

const people = (t: TicketFacts) => [
  `Customer: ${t.customer.name} <${t.customer.email}>`,
  `Assignee: ${t.assignee ? `${t.assignee.name} <${t.assignee.email}>` : 'nobody'}`,
];

export function escalationMail(t: TicketFacts, kind: SlaKind, deadline: Date, lateByMs: number): MailContent {
  return {
    subject: `[SLA breach] ${slaNames[kind]} overdue on ticket #${t.ticketNumber}: ${t.title}`,
    text: [
      `The ${slaNames[kind]} SLA of ticket #${t.ticketNumber} was breached.`,
      '',
      `Ticket: #${t.ticketNumber} ${t.title}`,
      ...people(t),
      `SLA: ${slaNames[kind]}`,
      `Deadline: ${deadline.toISOString()}`,
      `Late by: ${formatDuration(lateByMs)} when detected`,
    ].join('\n'),
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
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
): MailContent {
  const more = total - shown.length;
  return {
    subject: `[SLA breach] ${total.toLocaleString('en')} tickets overdue in ${organizationName}`,
    text: [
      `${total.toLocaleString('en')} SLA deadlines of ${organizationName} were breached within a few minutes; this one mail lists them.`,
      '',
      ...shown.map(
        (b) =>
          `#${b.ticketNumber} ${b.title} — ${slaNames[b.kind]} due ${b.deadline.toISOString()}, late by ${formatDuration(b.lateByMs)} when detected`,
      ),
      ...(more > 0
        ? ['', `…and ${more.toLocaleString('en')} more (each ticket's history records its breach).`]
        : []),
    ].join('\n'),
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

export function warningMail(t: TicketFacts, kind: SlaKind, deadline: Date, leftMs: number): MailContent {
  return {
    subject: `[SLA warning] ${slaNames[kind]} due in ${formatDuration(leftMs)} on ticket #${t.ticketNumber}: ${t.title}`,
    text: [
      `The ${slaNames[kind]} SLA of ticket #${t.ticketNumber} is due soon.`,
      '',
      `Ticket: #${t.ticketNumber} ${t.title}`,
      ...people(t),
      `Deadline: ${deadline.toISOString()} (in ${formatDuration(leftMs)})`,
    ].join('\n'),
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
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

export function invitationMail(i: InvitationFacts): MailContent {
  const body = JSON.stringify({ token: i.token, name: 'Your Name', password: 'optional, 10+ characters' });
  return {
    subject: `${i.inviterName} invited you to ${i.organizationName} on InsightDesk`,
    text: [
      'Hello,',
      '',
      `${i.inviterName} invited you to join ${i.organizationName} on InsightDesk as ${roleNames[i.role]}.`,
      '',
      `Your invitation token: ${i.token}`,
      '',
      'To accept, send it with your name (and a password, if you want to log in with one) to the API;',
      'the answer holds your first API token:',
      '',
      `  curl -X POST ${i.apiUrl}/invitations/accept -H 'Content-Type: application/json' \\`,
      `       -d '${body}'`,
      '',
      `The token works once, until ${i.expiresAt.toISOString()}. If you did not expect this invitation, ignore this email.`,
    ].join('\n'),
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
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

/** What happened on the ticket, as an agent's notification tells it. */
export type NotificationFacts =
  | { event: 'newTicket' }
  | { event: 'customerReply'; excerpt: string }
  | { event: 'assigned'; by: string | null }
  | { event: 'mention'; by: string; excerpt: string };

/** The first lines of a message, enough to tell what it is about without opening the ticket. */
function excerptOf(text: string, maxChars = 500): string[] {
  const trimmed = text.trim();
  const cut = trimmed.length > maxChars ? `${trimmed.slice(0, maxChars).trimEnd()}…` : trimmed;
  return cut.split('\n').map((line) => `> ${line}`);
}

function notificationWords(t: TicketFacts, n: NotificationFacts): { subject: string; lines: string[] } {
  const ticket = `ticket #${t.ticketNumber} "${t.title}"`;
  const tag = (label: string) => `[${label} #${t.ticketNumber}] ${t.title}`;
  switch (n.event) {
    case 'newTicket':
      return {
        subject: tag('New ticket'),
        lines: [`${t.customer.name} <${t.customer.email}> opened ${ticket}.`],
      };
    case 'customerReply':
      return {
        subject: tag('Customer reply'),
        lines: [`${t.customer.name} replied on ${ticket}:`, '', ...excerptOf(n.excerpt)],
      };
    case 'assigned':
      return {
        subject: tag('Assigned to you'),
        lines: [`${n.by ?? 'The system'} assigned ${ticket} to you.`],
      };
    case 'mention':
      return {
        subject: tag('Mentioned'),
        lines: [`${n.by} mentioned you in an internal note on ${ticket}:`, '', ...excerptOf(n.excerpt)],
      };
  }
}

/** An agent's email about one of the organisation's tickets (never sent to the customer). */
export function notificationMail(t: TicketFacts, recipientName: string, n: NotificationFacts): MailContent {
  const words = notificationWords(t, n);
  return {
    subject: words.subject,
    text: [
      `Hello ${recipientName},`,
      '',
      ...words.lines,
      '',
      ...people(t),
      '',
      // Coalesced per ticket: the reader should know a quiet inbox does not mean a quiet ticket.
      'Further activity on this ticket in the next few minutes is not mailed separately.',
      'Choose which ticket events you are emailed about with GET/PATCH /account/notifications.',
      '',
      `${t.organizationName} on InsightDesk`,
    ].join('\n'),
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
