import { type MergeRefusal, mergeTickets } from '../db/queries/ticket-merge.js';
import type { MergeInput, MergeResult } from '../workflows/contracts.js';
import type { ActivityDeps } from './context.js';
import { invalid } from './tickets.js';

const REFUSALS: Record<MergeRefusal, string> = {
  source_not_found: 'ticket not found',
  target_not_found: 'the ticket to merge into was not found',
  same_ticket: 'a ticket cannot be merged into itself',
  target_closed: 'the ticket to merge into is closed',
  already_merged: 'this ticket was already merged into another one',
};

export function createMergeActivities({ db }: ActivityDeps) {
  return {
    /** Moves the ticket's conversation into the target and closes it, once (a retry finds it merged). */
    async mergeTicket(
      input: MergeInput & { ticketId: string; organizationId: string },
    ): Promise<MergeResult> {
      return db.withTenant({ organizationId: input.organizationId, userId: input.actorId }, async (tx) => {
        const outcome = await mergeTickets(tx, {
          organizationId: input.organizationId,
          sourceId: input.ticketId,
          targetId: input.targetTicketId,
          actorId: input.actorId,
        });
        if (!outcome.merged) throw invalid(REFUSALS[outcome.refusal]);
        return { target: outcome.target, movedMessages: outcome.movedMessages };
      });
    },
  };
}
