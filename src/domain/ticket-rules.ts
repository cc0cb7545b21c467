// What a ticket allows, worded once: the API's pre-checks and the workflow (and its activities) give the
// same answer for the same reason. Pure, so workflow code may import it.
import type { TicketStatus } from './vocabulary.js';

/** The one answer a closed ticket gives to every command. */
export const CLOSED_TICKET_REFUSAL = 'the ticket is closed; the customer can write again to open a new one';

/** Why a ticket in `status` refuses any command, or null when it takes them. */
export function closedRefusal(status: TicketStatus | undefined | null): string | null {
  return status === 'closed' ? CLOSED_TICKET_REFUSAL : null;
}

/** Only the organisation's active agents, admins and owners take tickets. */
export const UNASSIGNABLE_REFUSAL = 'assigneeId must be an active agent of this organisation';

export const UNKNOWN_CATEGORY_REFUSAL = 'categoryId must be a category of this organisation';

/** Why a message cannot be split out of its ticket into a new one. */
export const SPLIT_REFUSALS = {
  source_not_found: 'ticket not found',
  message_not_found: 'message not found',
  internal_note: 'an internal note stays with its ticket: only the conversation’s messages can be split out',
  system_message: 'a system message stays with its ticket: only the conversation’s messages can be split out',
  opening_message: 'the opening message is what the ticket is about: it cannot be split out',
} as const;
export type SplitRefusal = keyof typeof SPLIT_REFUSALS;
