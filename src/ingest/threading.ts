// Pure threading decisions. Database lookups happen elsewhere; this module only
// extracts the lookup keys from an email and decides from the lookup results.

export interface ThreadMatch {
  ticketId: string;
  /** Ticket status; only 'resolved' and 'closed' change the decision. */
  status: string;
}

export interface ThreadingInput {
  inReplyToMatch?: ThreadMatch | null;
  referencesMatch?: ThreadMatch | null;
  /** Must come from a lookup scoped to the receiving organisation. */
  subjectTokenMatch?: ThreadMatch | null;
}

export type ThreadingDecision =
  | { action: 'append'; ticketId: string; reopen: boolean }
  | { action: 'new-ticket'; relatedTicketId?: string };

// Digits only, no leading zero, bounded so the number stays a safe integer.
const TOKEN = /\[#([1-9]\d{0,14})\]/;
const ANY_TOKEN = /\s*\[#\d+\]\s*/g;
// Reply/forward prefixes in common locales, optionally counted ("Re[2]:", "Re(2):"),
// with ASCII or full-width colon.
const PREFIX =
  /^\s*(?:re|fwd?|aw|wg|sv|vs|antw|tr|rif|odp|ynt|r|回复|回覆|答复|转发|轉寄)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*/i;

export const NO_SUBJECT = '(no subject)';

/** The first `[#N]` ticket token in a subject (N a positive integer), or null. */
export function extractTicketToken(subject: string | null | undefined): number | null {
  if (!subject) return null;
  const m = TOKEN.exec(subject);
  return m ? Number(m[1]) : null;
}

/**
 * Message-IDs to look up, most specific first: In-Reply-To, then References from newest
 * (last) to oldest. Deduplicated; the email's own Message-ID is never a candidate.
 */
export function candidateMessageIds(email: {
  messageId?: string;
  inReplyTo: readonly string[];
  references: readonly string[];
}): string[] {
  const seen = new Set<string>(email.messageId ? [email.messageId] : []);
  const out: string[] = [];
  for (const id of [...email.inReplyTo, ...[...email.references].reverse()]) {
    if (id && !seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

/**
 * Precedence: In-Reply-To match, then References match, then subject token.
 * A reply to a closed ticket starts a new ticket linked to the old one; a reply to a
 * resolved ticket reopens it.
 */
export function decideThreading(input: ThreadingInput): ThreadingDecision {
  const match = input.inReplyToMatch ?? input.referencesMatch ?? input.subjectTokenMatch ?? null;
  if (!match) return { action: 'new-ticket' };
  if (match.status === 'closed') return { action: 'new-ticket', relatedTicketId: match.ticketId };
  return { action: 'append', ticketId: match.ticketId, reopen: match.status === 'resolved' };
}

/** Ticket title from an email subject: reply/forward prefixes and `[#N]` tokens removed. */
export function normalizeSubjectForTitle(subject: string | null | undefined, maxLength = 255): string {
  let s = (subject ?? '').replace(/\s+/g, ' ');
  for (;;) {
    const next = s.replace(ANY_TOKEN, ' ').replace(PREFIX, '');
    if (next === s) break;
    s = next;
  }
  s = s.replace(/\s+/g, ' ').trim();
  if (s === '') return NO_SUBJECT;
  const chars = Array.from(s);
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 1).join('')}…` : s;
}

/** Subject for an outgoing reply: `Re: [#N] title`, never stacking prefixes or tokens. */
export function buildReplySubject(ticketNumber: number, title: string): string {
  return `Re: [#${ticketNumber}] ${normalizeSubjectForTitle(title)}`;
}

/**
 * The decision from every Message-ID match (in candidate order: In-Reply-To, then References newest
 * first) and the subject-token match. A Message-ID match beats the subject token; among Message-ID
 * matches the first ticket that is not closed wins, so a customer who answers an old (closed) ticket's
 * email but also references its open continuation lands in the continuation, not in a third ticket.
 */
export function decideFromMatches(
  messageIdMatches: readonly ThreadMatch[],
  subjectTokenMatch: ThreadMatch | null,
): ThreadingDecision {
  const pick = messageIdMatches.find((m) => m.status !== 'closed') ?? messageIdMatches[0] ?? null;
  return decideThreading({ inReplyToMatch: pick, subjectTokenMatch });
}
