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
