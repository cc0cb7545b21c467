import { splitMessage } from '../db/queries/ticket-split.js';
import { SPLIT_REFUSALS } from '../domain/ticket-rules.js';
import type { SplitInput, SplitOutcome } from '../workflows/contracts.js';
import type { ActivityDeps } from './context.js';
import { invalid } from './tickets.js';

export function createSplitActivities({ db }: ActivityDeps) {
  return {
    /** Moves the message into its new ticket, once (a retry finds it moved and answers the same). */
    async splitMessage(
      input: SplitInput & { ticketId: string; organizationId: string },
    ): Promise<SplitOutcome> {
      return db.withTenant({ organizationId: input.organizationId, userId: input.actorId }, async (tx) => {
        const outcome = await splitMessage(tx, {
          organizationId: input.organizationId,
          sourceId: input.ticketId,
          messageId: input.messageId,
          actorId: input.actorId,
          title: input.title,
        });
        if (!outcome.split) throw invalid(SPLIT_REFUSALS[outcome.refusal]);
        const { split: _split, ...result } = outcome;
        return result;
      });
    },
  };
}
