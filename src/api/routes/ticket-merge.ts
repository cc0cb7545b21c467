import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findTicket } from '../../db/queries/tickets.js';
import type { ApiDeps } from '../deps.js';
import { conflict, notFound, unprocessable } from '../errors.js';
import { requireOpen } from '../route-helpers.js';
import { authErrors, errors, IdParams, Uuid } from '../schemas/common.js';

const MergeBody = Type.Object(
  {
    targetTicketId: Type.String({
      format: 'uuid',
      description: 'The ticket that stays: it receives this one’s conversation',
    }),
  },
  { additionalProperties: false },
);

const MergeView = Type.Object({
  mergedInto: Type.Object({ id: Uuid, ticketNumber: Type.Integer() }),
  movedMessages: Type.Integer({ description: 'Messages moved (an email stored in both stays once)' }),
});

/** Merging duplicates: one conversation per problem, however many tickets the customer opened. */
export const ticketMergeRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { tickets }) => {
  app.post(
    '/tickets/:id/merge',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Merge this ticket into another',
        description:
          'Moves this ticket’s messages (with their attachments) and participants to the target, closes ' +
          'this ticket with a `merged` activity pointing at the target (and one on the target), and ends ' +
          'its workflow: the target’s SLA clocks are unchanged. Later email threaded to this ticket’s ' +
          'messages lands in the target, and search shows the target for this ticket’s words. Both tickets ' +
          'must be the organisation’s (404); a closed ticket cannot be merged or merged into (409).',
        params: IdParams,
        body: MergeBody,
        response: { 200: MergeView, ...errors(...authErrors, 404, 409, 422) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { targetTicketId } = request.body;
      const { organizationId, userId } = request.principal;
      await request.inTenant(async (tx) => {
        const source = requireOpen(await findTicket(tx, organizationId, id));
        if (targetTicketId === source.id) throw unprocessable('a ticket cannot be merged into itself');
        const target = await findTicket(tx, organizationId, targetTicketId);
        if (!target) throw notFound('ticket to merge into');
        if (target.status === 'closed') throw conflict('the ticket to merge into is closed');
      });
      const result = await tickets.merge(id, { targetTicketId, actorId: userId });
      return { mergedInto: result.target, movedMessages: result.movedMessages };
    },
  );
};
