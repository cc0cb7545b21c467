// The ticket's words in an email subject: the `[#N]` token a reply carries back, the title a subject
// makes and the subject a reply gets. Ingest reads them, the mail templates write them.

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
