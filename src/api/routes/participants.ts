import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import { organizationMailboxAddresses } from '../../db/queries/mailboxes.js';
import {
  addAgentFollower,
  listParticipants,
  lockParticipant,
  removeFollower,
} from '../../db/queries/participants.js';
import { findTicket } from '../../db/queries/tickets.js';
import { PARTICIPANT_ROLES, PARTICIPANT_SOURCES } from '../../domain/vocabulary.js';
import { followerRefusal, MAX_ADDRESS_LENGTH, MAX_NAME_LENGTH } from '../../ingest/followers.js';
import type { ApiDeps } from '../deps.js';
import { conflict, notFound, unprocessable } from '../errors.js';
import { authErrors, errors, IdParams, NoContent, Nullable, Timestamp, Uuid } from '../schemas/common.js';

const ParticipantView = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  role: Type.Enum(PARTICIPANT_ROLES, {
    description: 'customer: the person the ticket is for; follower: copied on the agents’ replies',
  }),
  addedVia: Type.Enum(PARTICIPANT_SOURCES, {
    description: 'email: named on an email of the conversation; agent: added by an agent',
  }),
  addedByUserId: Nullable(Uuid),
  createdAt: Timestamp,
});

const AddBody = Type.Object(
  {
    email: Type.String({
      minLength: 1,
      maxLength: MAX_ADDRESS_LENGTH,
      description:
        'A plain address (name@example.com). Not one of the organisation’s mailboxes, nor a no-reply or ' +
        'mail-system address (422)',
    }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH })),
  },
  { additionalProperties: false },
);

const ParticipantParams = Type.Object({ id: Uuid, participantId: Uuid });

async function requireTicket(tx: Tx, organizationId: string, ticketId: string) {
  if (!(await findTicket(tx, organizationId, ticketId))) throw notFound('ticket');
}

/**
 * Who takes part in a ticket: its customer and its followers, who get the agents' replies in Cc. Written
 * directly (no SLA clock depends on it), each change with its activity row.
 */
export const participantRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { defaultFrom }) => {
  app.get(
    '/tickets/:id/participants',
    {
      schema: {
        tags: ['tickets'],
        summary: 'The ticket’s customer and current followers',
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(ParticipantView) }), ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const { organizationId } = request.principal;
      const { id } = request.params;
      const data = await request.inTenant(async (tx) => {
        await requireTicket(tx, organizationId, id);
        return listParticipants(tx, organizationId, id);
      });
      return { data };
    },
  );

  app.post(
    '/tickets/:id/participants',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Add a follower: they receive the agents’ replies in Cc and their mail threads in',
        description:
          'A follower removed earlier comes back. Someone taking part already (the customer or a ' +
          'follower) answers 409.',
        params: IdParams,
        body: AddBody,
        response: { 201: ParticipantView, ...errors(...authErrors, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const { id } = request.params;
      const email = request.body.email.trim().toLowerCase();
      const added = await request.inTenant(async (tx) => {
        await requireTicket(tx, organizationId, id);
        const ours = [defaultFrom, ...(await organizationMailboxAddresses(tx, organizationId))];
        const refusal = followerRefusal(email, ours);
        if (refusal) throw unprocessable(refusal);
        const row = await addAgentFollower(tx, organizationId, id, userId, {
          email,
          name: request.body.name?.trim() ?? '',
        });
        if (!row) throw conflict(`${email} takes part in the ticket already`);
        return row;
      });
      reply.header('location', `/tickets/${id}/participants/${added.id}`);
      return reply.code(201).send(added);
    },
  );

  app.delete(
    '/tickets/:id/participants/:participantId',
    {
      schema: {
        tags: ['tickets'],
        summary:
          'Remove a follower: later replies no longer copy them, nor does mail that still names them add them back',
        description: 'The ticket’s customer cannot be removed (409).',
        params: ParticipantParams,
        response: { 204: NoContent, ...errors(...authErrors, 404, 409) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const { id, participantId } = request.params;
      await request.inTenant(async (tx) => {
        await requireTicket(tx, organizationId, id);
        const participant = await lockParticipant(tx, organizationId, id, participantId);
        if (!participant) throw notFound('participant');
        if (participant.role === 'customer') throw conflict('the ticket’s customer cannot be removed');
        await removeFollower(tx, organizationId, id, userId, participant);
      });
      return reply.code(204).send(null);
    },
  );
};
