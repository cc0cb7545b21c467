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
