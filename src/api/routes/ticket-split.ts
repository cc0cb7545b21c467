import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { splitCandidate } from '../../db/queries/ticket-split.js';
import { findTicket } from '../../db/queries/tickets.js';
import { SPLIT_REFUSALS } from '../../domain/ticket-rules.js';
import type { ApiDeps } from '../deps.js';
import { notFound, unprocessable } from '../errors.js';
import { requireOpen } from '../route-helpers.js';
import { authErrors, errors, Uuid } from '../schemas/common.js';

const SplitParams = Type.Object({ id: Uuid, messageId: Uuid });

const SplitBody = Type.Object(
  {
    title: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description:
          'The new ticket’s title; by default the message’s email subject, else this ticket’s title',
      }),
    ),
  },
  { additionalProperties: false },
);

const SplitView = Type.Object({
  ticket: Type.Object({ id: Uuid, ticketNumber: Type.Integer() }, { description: 'The new ticket' }),
});

/** Splitting: one message of a conversation that is really another problem becomes its own ticket. */
export const ticketSplitRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { tickets }) => {
  app.post(
    '/tickets/:id/messages/:messageId/split',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Split a message out into a new ticket',
        description:
          'Moves the message (with its attachments) to a new ticket of the organisation, through this ' +
          'ticket’s workflow, which starts the new ticket’s own. The new ticket’s customer is the ' +
          'message’s author when a customer or follower wrote it, else this ticket’s customer; it keeps this ' +
          'ticket’s mailbox, priority and channel, and its SLA clocks count from the message’s time (the ' +
          'customer has waited since). If the message was the customer’s oldest unanswered one, this ' +
          'ticket’s next-response clock counts from the next unanswered message, or stops. Both tickets get ' +
          'a `split` activity pointing at the other; later email threaded to the message lands in the new ' +
          'ticket. A message is split once: repeating the request answers with the same ticket. The ' +
          'opening message, internal notes and system messages cannot be split (422); another ticket’s or ' +
          'organisation’s message is not found (404); a closed (or merged) ticket answers 409.',
        params: SplitParams,
        body: SplitBody,
        response: { 201: SplitView, ...errors(...authErrors, 404, 409, 422) },
      },
      // The body is optional: none is the defaults.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { id, messageId } = request.params;
      const { organizationId, userId } = request.principal;
      await request.inTenant(async (tx) => {
        requireOpen(await findTicket(tx, organizationId, id));
        const candidate = await splitCandidate(tx, organizationId, id, messageId);
        if (candidate.refusal === 'message_not_found') throw notFound('message');
        if (candidate.refusal) throw unprocessable(SPLIT_REFUSALS[candidate.refusal]);
      });
      const { ticket } = await tickets.split(id, { messageId, actorId: userId, title: request.body.title });
      reply.header('location', `/tickets/${ticket.id}`);
      return reply.code(201).send({ ticket });
    },
  );
};
